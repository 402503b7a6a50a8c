import { z } from "zod";
import { SubjectString } from "./subject.js";

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-' (no '/', '+', '#')");

export const ZONE_KINDS = ["entrance", "area", "stand", "kiosk", "checkout"] as const;
export const ZoneKind = z.enum(ZONE_KINDS);

export const Position = z.object({ x: z.number().finite(), y: z.number().finite() });
export type Position = z.infer<typeof Position>;

export const Zone = z.object({
  id: Id,
  name: z.string().min(1),
  kind: ZoneKind,
  /** optional outline on the floor plan, metres */
  polygon: z.array(Position).min(3).optional(),
  /** the kiosk standing in this zone, for `kind: "kiosk"` */
  kioskId: Id.optional(),
});
export type Zone = z.infer<typeof Zone>;

export const Scanner = z.object({
  id: Id,
  zone: Id,
  position: Position,
  /** calibration: dB added to every reading of this scanner (its gain) */
  rssiOffset: z.number().finite().min(-40).max(40).optional(),
  /** calibration: this scanner's path-loss exponent (2 = free space) */
  pathLossExponent: z.number().finite().min(1).max(6).optional(),
});
export type Scanner = z.infer<typeof Scanner>;

/** Known beacons: per-beacon measured power, and fixed wall beacons used for self-calibration. */
export const BeaconSpec = z.object({
  subject: SubjectString,
  measuredPower: z.number().int().min(-100).max(0).optional(),
  fixed: z.object({ zone: Id, position: Position }).optional(),
});

/** Tracker tuning; every field has a default that works (see edge-gateway docs). */
export const PresenceTuning = z
  .object({
    defaultMeasuredPower: z.number().min(-100).max(0),
    enterMarginDb: z.number().min(0).max(30),
    minDwellMs: z.number().int().min(0),
    awayTimeoutMs: z.number().int().min(1000),
    /** a better zone must stay better this long before the subject is moved there */
    switchConfirmMs: z.number().int().min(0),
    /** RSSI filter: process noise (dB² per second) and measurement noise (dB, one sigma) */
    processNoiseDb2PerS: z.number().positive(),
    measurementNoiseDb: z.number().positive(),
    /** a scanner's reading older than this (or 6 advertising intervals) is ignored */
    staleAfterMs: z.number().int().min(100),
    /** fit per-scanner gain and path-loss exponent from the fixed wall beacons */
    autoCalibrate: z.boolean(),
  })
  .partial();
export type PresenceTuning = z.infer<typeof PresenceTuning>;

export const Venue = z
  .object({
    venueId: Id,
    name: z.string().min(1),
    timeZone: z.string().min(1).optional(),
    scanners: z.array(Scanner).min(1),
    zones: z.array(Zone).min(1),
    beacons: z.array(BeaconSpec).optional(),
    tuning: PresenceTuning.optional(),
  })
  .superRefine(
    (venue, ctx) => {
      // runs even when fields failed their own schema (see `when`), so every problem of a
      // venue file is listed at once: read defensively
      const zones: unknown[] = Array.isArray(venue.zones) ? venue.zones : [];
      const scanners: unknown[] = Array.isArray(venue.scanners) ? venue.scanners : [];
      const zoneIds = new Set<string>();
      const idOf = (item: unknown, key: "id" | "zone"): string | undefined => {
        const value =
          typeof item === "object" && item !== null ? (item as Record<string, unknown>)[key] : undefined;
        return typeof value === "string" ? value : undefined;
      };
      zones.forEach((zone, i) => {
        const id = idOf(zone, "id");
        if (id === undefined) return;
        if (zoneIds.has(id))
          ctx.addIssue({ code: "custom", path: ["zones", i, "id"], message: `duplicate zone id "${id}"` });
        zoneIds.add(id);
      });
      const scannerIds = new Set<string>();
      scanners.forEach((scanner, i) => {
        const id = idOf(scanner, "id");
        if (id !== undefined) {
          if (scannerIds.has(id))
            ctx.addIssue({
              code: "custom",
              path: ["scanners", i, "id"],
              message: `duplicate scanner id "${id}"`,
            });
          scannerIds.add(id);
        }
        const zone = idOf(scanner, "zone");
        if (zone !== undefined && !zoneIds.has(zone))
          ctx.addIssue({
            code: "custom",
            path: ["scanners", i, "zone"],
            message: `unknown zone "${zone}" (known: ${[...zoneIds].join(", ")})`,
          });
      });
      (Array.isArray(venue.beacons) ? venue.beacons : []).forEach((beacon, i) => {
        const zone = beacon?.fixed?.zone;
        if (typeof zone === "string" && !zoneIds.has(zone))
          ctx.addIssue({
            code: "custom",
            path: ["beacons", i, "fixed", "zone"],
            message: `unknown zone "${zone}"`,
          });
      });
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );
export type Venue = z.infer<typeof Venue>;
