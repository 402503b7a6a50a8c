import { z } from "zod";
import { Id } from "./venue.js";

/**
 * `gateway.json`: parsed once at start-up; the gateway refuses to start on bad config
 * and lists every problem with its path.
 */
export const GatewayConfig = z.object({
  gatewayId: Id,
  /** path to the venue file (relative to the config file) */
  venue: z.string().min(1),
  dataDir: z.string().min(1).default("./data"),
  mqtt: z
    .object({
      host: z.string().default("0.0.0.0"),
      /** 0 picks a free port */
      tcpPort: z.number().int().min(0).max(65535).default(1883),
      wsPort: z.number().int().min(0).max(65535).default(8883),
      /** allow unauthenticated clients from 127.0.0.1/::1 only — development switch */
      allowAnonymousLoopback: z.boolean().default(false),
      maxPayloadBytes: z.number().int().min(256).max(16_777_216).default(262_144),
    })
    .prefault({}),
  scanner: z
    .discriminatedUnion("kind", [
      z.object({
        kind: z.literal("noble"),
        /** the venue scanner this radio is; defaults to the gateway id */
        scannerId: Id.optional(),
        /** restart the scan when no advertisement arrived for this long (Pi scans stall) */
        stallRestartMs: z.number().int().min(500).max(5000).default(3000),
      }),
      z.object({
        kind: z.literal("replay"),
        trace: z.string().min(1),
        speed: z.number().positive().default(1),
      }),
      z.object({
        kind: z.literal("simulate"),
        seed: z.number().int().default(1),
        visitors: z.number().int().min(0).default(30),
        /** non-beacon phones walking around (counted anonymously, never subjects) */
        anonymousDevices: z.number().int().min(0).optional(),
        /** real-time factor: 1 = wall-clock pace */
        speed: z.number().positive().default(1),
      }),
      z.object({ kind: z.literal("none") }),
    ])
    .prefault({ kind: "noble" }),
  cloud: z
    .object({
      url: z.url(),
      token: z.string().min(1),
    })
    .optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
