import { useEffect, useState } from "react";

export const VIEWS = ["live", "footfall", "customers", "lookup"] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  venueId: string | null;
  params: URLSearchParams;
}

/** `#/<view>/<venueId>?params`: shareable links; the server still checks every venue. */
export function parseHash(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#\/?/, "").split("?");
  const [view, venueId] = path.split("/");
  return {
    view: (VIEWS as readonly string[]).includes(view ?? "") ? (view as View) : "live",
    venueId: venueId ? decodeURIComponent(venueId) : null,
    params: new URLSearchParams(query),
  };
}

export function routeHash(view: View, venueId: string | null, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : "";
  return `#/${view}${venueId ? `/${encodeURIComponent(venueId)}` : ""}${query ? `?${query}` : ""}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function navigate(view: View, venueId: string | null, params?: Record<string, string>): void {
  window.location.hash = routeHash(view, venueId, params);
}
