import type { Venue } from "@proxima/shared";

/** The demo's second venue (the first is edge-gateway/examples/venue.json). */
export const HARBOUR: Venue = {
  venueId: "store-017",
  name: "Harbour",
  timeZone: "Europe/London",
  scanners: [
    { id: "hb-a", zone: "entrance", position: { x: 0, y: 6 } },
    { id: "hb-b", zone: "snacks", position: { x: 10, y: 12 } },
    { id: "hb-c", zone: "fresh", position: { x: 10, y: 0 } },
    { id: "hb-d", zone: "kiosk-h1", position: { x: 20, y: 6 } },
    { id: "hb-e", zone: "checkout", position: { x: 28, y: 6 } },
  ],
  zones: [
    { id: "entrance", name: "Entrance", kind: "entrance" },
    { id: "snacks", name: "Snacks", kind: "area" },
    { id: "fresh", name: "Fresh food", kind: "area" },
    { id: "kiosk-h1", name: "Freestyle kiosk", kind: "kiosk", kioskId: "kiosk-h1" },
    { id: "checkout", name: "Checkout", kind: "checkout" },
  ],
};
