import { parseTopic, type Topics, type Venue } from "@proxima/shared";
import type { ClientRole } from "../kiosks/credentials.js";

/**
 * Who a connected client is, decided once at CONNECT and attached to the aedes client.
 * `dev` is an anonymous loopback client, allowed only with the development switch.
 */
export type Principal =
  | { role: "kiosk"; id: string; zoneId: string | null }
  | { role: "scanner"; id: string }
  | { role: "service"; id: string }
  | { role: "dev"; id: string };

export function principalFor(role: ClientRole, id: string, venue: Venue): Principal {
  if (role === "kiosk") {
    const zone = venue.zones.find((z) => z.kind === "kiosk" && z.kioskId === id);
    return { role, id, zoneId: zone?.id ?? null };
  }
  return { role, id };
}

/** Leaves a kiosk may publish under its own `kiosk/<id>/`; replies and `nearby` come only from the gateway. */
const KIOSK_PUBLISHES = new Set(["status", "rpc/request", "events"]);

/**
 * Publish ACL (DESIGN.md, Gateway MQTT): a kiosk publishes only under its own
 * `kiosk/<kioskId>/`, a satellite scanner only its own sightings.
 */
export function canPublish(principal: Principal, topic: string, venueId: string): boolean {
  if (principal.role === "service" || principal.role === "dev") return !topic.startsWith("$");
  const parsed = parseTopic(topic);
  if (!parsed || parsed.venueId !== venueId) return false;
  if (principal.role === "kiosk")
    return parsed.kind === "kiosk" && parsed.kioskId === principal.id && KIOSK_PUBLISHES.has(parsed.leaf);
  return parsed.kind === "scanner" && parsed.scannerId === principal.id;
}

/**
 * Subscribe ACL: a kiosk reads only its own replies and `nearby`, and its zone's
 * prompts and occupancy. Filters must name those topics exactly — a wildcard could
 * reach another kiosk's replies. Scanners read nothing.
 */
export function canSubscribe(principal: Principal, filter: string, topics: Topics): boolean {
  if (principal.role === "service" || principal.role === "dev") return true;
  if (principal.role === "scanner") return false;
  const allowed = [topics.rpcResponse(principal.id), topics.kioskNearby(principal.id)];
  if (principal.zoneId !== null)
    allowed.push(topics.zonePrompts(principal.zoneId), topics.zoneOccupancy(principal.zoneId));
  return allowed.includes(filter);
}
