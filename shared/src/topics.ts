/**
 * Gateway MQTT topics (MQTT 3.1.1): every topic is built and parsed here, never
 * concatenated elsewhere. Root: `proxima/<venueId>/`.
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const KIOSK_LEAVES = ["status", "rpc/request", "rpc/response", "events", "nearby"] as const;
export const ZONE_LEAVES = ["presence", "occupancy", "prompts"] as const;
export const SCANNER_LEAVES = ["sightings"] as const;

export type KioskLeaf = (typeof KIOSK_LEAVES)[number];
export type ZoneLeaf = (typeof ZONE_LEAVES)[number];

export type ParsedTopic =
  | { venueId: string; kind: "kiosk"; kioskId: string; leaf: KioskLeaf }
  | { venueId: string; kind: "zone"; zoneId: string; leaf: ZoneLeaf }
  | { venueId: string; kind: "scanner"; scannerId: string; leaf: "sightings" };

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value)) throw new TypeError(`${what} "${value}" is not a valid topic segment`);
  return value;
}

export function topicsFor(venueId: string) {
  const root = `proxima/${segment(venueId, "venueId")}`;
  const kiosk = (kioskId: string, leaf: KioskLeaf) => `${root}/kiosk/${segment(kioskId, "kioskId")}/${leaf}`;
  const zone = (zoneId: string, leaf: ZoneLeaf) => `${root}/zone/${segment(zoneId, "zoneId")}/${leaf}`;
  return {
    root,
    kioskStatus: (kioskId: string) => kiosk(kioskId, "status"),
    rpcRequest: (kioskId: string) => kiosk(kioskId, "rpc/request"),
    rpcResponse: (kioskId: string) => kiosk(kioskId, "rpc/response"),
    kioskEvents: (kioskId: string) => kiosk(kioskId, "events"),
    kioskNearby: (kioskId: string) => kiosk(kioskId, "nearby"),
    zonePresence: (zoneId: string) => zone(zoneId, "presence"),
    zoneOccupancy: (zoneId: string) => zone(zoneId, "occupancy"),
    zonePrompts: (zoneId: string) => zone(zoneId, "prompts"),
    scannerSightings: (scannerId: string) => `${root}/scanner/${segment(scannerId, "scannerId")}/sightings`,
    /** subscription filters (wildcards) */
    filters: {
      allRpcRequests: `${root}/kiosk/+/rpc/request`,
      allKioskEvents: `${root}/kiosk/+/events`,
      allKioskStatus: `${root}/kiosk/+/status`,
      allSightings: `${root}/scanner/+/sightings`,
      allPresence: `${root}/zone/+/presence`,
      allOccupancy: `${root}/zone/+/occupancy`,
    },
  };
}
export type Topics = ReturnType<typeof topicsFor>;

/** Parses a concrete topic; null if it is not one of ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split("/");
  if (parts[0] !== "proxima" || parts.length < 5) return null;
  const venueId = parts[1]!;
  const kind = parts[2];
  const id = parts[3]!;
  if (!SEGMENT.test(venueId) || !SEGMENT.test(id)) return null;
  const leaf = parts.slice(4).join("/");
  if (kind === "kiosk" && (KIOSK_LEAVES as readonly string[]).includes(leaf))
    return { venueId, kind, kioskId: id, leaf: leaf as KioskLeaf };
  if (kind === "zone" && (ZONE_LEAVES as readonly string[]).includes(leaf))
    return { venueId, kind, zoneId: id, leaf: leaf as ZoneLeaf };
  if (kind === "scanner" && leaf === "sightings") return { venueId, kind, scannerId: id, leaf };
  return null;
}

/** MQTT 3.1.1 §4.7 topic filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}
