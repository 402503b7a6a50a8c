import type { ReactNode } from "react";
import type { ApiError } from "../session/api.js";
import type { Loadable } from "./useApi.js";

export function Loading({ what }: { what: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <strong>Could not load this.</strong> {error.message}
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Renders loading / error states, or `children(data)` once loaded. */
export function Load<T>({
  value,
  what,
  children,
}: {
  value: Loadable<T> & { retry: () => void };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (value.state === "loading") return <Loading what={what} />;
  if (value.state === "error") return <ErrorBox error={value.error} retry={value.retry} />;
  return <>{children(value.data)}</>;
}
