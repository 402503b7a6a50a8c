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
      /** PEM files (relative to the config file): TCP becomes MQTTS and WebSocket WSS */
      tls: z.object({ key: z.string().min(1), cert: z.string().min(1) }).optional(),
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
      /** events per ingest request at most (the cloud takes up to 10,000) */
      batchMaxEvents: z.number().int().min(1).max(10_000).default(5000),
      /** how long a lone event may wait for company before it is sent (presence must be live) */
      batchMaxDelayMs: z.number().int().min(0).max(60_000).default(200),
      /** pause between delta pulls once caught up */
      pullIntervalMs: z.number().int().min(1000).default(30_000),
    })
    .optional(),
  /** the durable queue of events bound for the cloud (`<dataDir>/outbox.db`) */
  outbox: z
    .object({
      /** disk quota of the outbox file */
      maxBytes: z.number().int().min(1_048_576).default(1_073_741_824),
      /** when the quota is reached, unsent events older than this are dropped (counted, logged) */
      keepDays: z.number().positive().default(7),
    })
    .prefault({}),
  /**
   * A file of profiles, segments, campaigns and a catalogue (JSON bundle or NDJSON of
   * profiles / sync changes, relative to the config file) applied at start-up: demos,
   * and venues that run without a cloud. Re-applying it is harmless (newest wins).
   */
  seed: z.string().min(1).optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  /**
   * `hub` (absent = hub): the broker, kiosks, presence. `satellite`: only a radio whose
   * sightings are published to the hub's broker (needs `hub`); no broker, no kiosks here.
   */
  role: z.enum(["hub", "satellite"]).optional(),
  /** where a satellite sends its sightings (`scanner/<scannerId>/sightings` on the hub broker) */
  hub: z
    .object({
      /** the hub broker: mqtt://host:port or mqtts://host:port */
      url: z.string().regex(/^mqtts?:\/\/[^/\s]+/, "must be mqtt://host:port or mqtts://host:port"),
      /** the venue scanner this satellite is, and its broker credential id (username and client id); default: the gateway id */
      scannerId: Id.optional(),
      /** the secret `proxima-gateway kiosk add <scannerId> --role scanner` printed on the hub */
      password: z.string().min(1),
      /** PEM CA file (relative to the config file) that signed the hub's certificate (mqtts) */
      ca: z.string().min(1).optional(),
      /** publish sightings at least this often */
      flushMs: z.number().int().min(20).max(5000).default(250),
      /** while the hub is unreachable, keep sightings this long at most (older batches are dropped, counted) */
      bufferMs: z.number().int().min(0).max(600_000).default(30_000),
      /** and at most this many bytes of them */
      bufferMaxBytes: z.number().int().min(65_536).max(268_435_456).default(16_777_216),
    })
    .optional(),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
