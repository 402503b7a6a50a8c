import type { SessionInfo } from "@proxima/shared";
import { lazy, useCallback, useEffect, useState } from "react";
import { LiveView } from "./live/LiveView.js";
import { LookupView } from "./lookup/LookupView.js";
import { ApiError, api, setCsrfToken, setUnauthorizedHandler } from "./session/api.js";
import { Login } from "./session/Login.js";
import { navigate, routeHash, useRoute, type View } from "./session/route.js";
import { ErrorBox, Loading } from "./ui/states.js";
import { useApi } from "./ui/useApi.js";

// The chart views load on demand: sign-in and the live floor plan paint without uPlot.
const FootfallView = lazy(() =>
  import("./footfall/FootfallView.js").then((m) => ({ default: m.FootfallView })),
);
const CustomersView = lazy(() =>
  import("./customers/CustomersView.js").then((m) => ({ default: m.CustomersView })),
);

export interface VenueSummary {
  venueId: string;
  name: string;
  timeZone: string;
}

const TITLES: Record<View, string> = {
  live: "Live",
  footfall: "Footfall",
  customers: "Customer metrics",
  lookup: "Customer lookup",
};

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession(null));
    api<SessionInfo>("/v1/auth/me").then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      () => setSession(null),
    );
  }, []);

  const signedIn = useCallback((s: SessionInfo) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  }, []);

  if (session === undefined) return <Loading what="your session" />;
  if (session === null) return <Login onSignedIn={signedIn} />;
  return <Shell session={session} onSignOut={() => setSession(null)} />;
}

function Shell({ session, onSignOut }: { session: SessionInfo; onSignOut: () => void }) {
  const route = useRoute();
  const venues = useApi<{ venues: VenueSummary[] }>("/v1/venues");
  const list = venues.state === "ready" ? venues.data.venues : [];
  const venue =
    list.find((v) => v.venueId === route.venueId) ?? (route.venueId === null ? list[0] : undefined);

  const signOut = async () => {
    await api("/v1/auth/logout", { method: "POST" }).catch(() => undefined);
    onSignOut();
  };

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Proxima</span>
        <nav aria-label="Views">
          {(Object.keys(TITLES) as View[]).map((view) => (
            <a
              key={view}
              href={routeHash(view, venue?.venueId ?? route.venueId)}
              aria-current={route.view === view ? "page" : undefined}
            >
              {TITLES[view]}
            </a>
          ))}
        </nav>
        <label className="venue-picker">
          <span className="visually-hidden">Venue</span>
          <select
            value={venue?.venueId ?? ""}
            onChange={(e) => navigate(route.view, e.target.value)}
            disabled={list.length === 0}
          >
            {list.map((v) => (
              <option key={v.venueId} value={v.venueId}>
                {v.name} ({v.venueId})
              </option>
            ))}
          </select>
        </label>
        <span className="who">
          {session.user.name} · {session.user.role}
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        <h1>
          {TITLES[route.view]}
          {venue && route.view !== "lookup" ? ` — ${venue.name}` : ""}
        </h1>
        {venues.state === "loading" && <Loading what="venues" />}
        {venues.state === "error" && <ErrorBox error={venues.error} retry={venues.retry} />}
        {venues.state === "ready" && list.length === 0 && (
          <div className="state empty">
            No venues yet. An admin registers one with <code>proxima-cloud venue add venue.json</code>.
          </div>
        )}
        {venues.state === "ready" && list.length > 0 && !venue && route.view !== "lookup" && (
          <ErrorBox
            error={
              new ApiError(
                403,
                "forbidden",
                `you may not read venue "${route.venueId}", or it does not exist`,
              )
            }
          />
        )}
        {venue && route.view === "live" && <LiveView venue={venue} />}
        {venue && route.view === "footfall" && (
          <FootfallView venue={venue} venues={list} params={route.params} />
        )}
        {route.view === "customers" && venue && (
          <CustomersView venue={venue} allowAll={session.user.venues === null} />
        )}
        {route.view === "lookup" && <LookupView params={route.params} timeZone={venue?.timeZone ?? "UTC"} />}
      </main>
    </div>
  );
}
