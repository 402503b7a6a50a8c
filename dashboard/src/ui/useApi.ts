import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../session/api.js";

export type Loadable<T> =
  | { state: "loading" }
  | { state: "error"; error: ApiError }
  | { state: "ready"; data: T };

/** Loads `path` (null = nothing to load), reloading when it changes; `retry` reloads. */
export function useApi<T>(path: string | null): Loadable<T> & { retry: () => void } {
  const [result, setResult] = useState<Loadable<T>>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the retry trigger
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setResult({ state: "loading" });
    api<T>(path, { signal: controller.signal }).then(
      (data) => setResult({ state: "ready", data }),
      (error: Error) => {
        if (error.name === "AbortError") return;
        setResult({
          state: "error",
          error: error instanceof ApiError ? error : new ApiError(0, "internal", error.message),
        });
      },
    );
    return () => controller.abort();
  }, [path, attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { ...result, retry };
}
