import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  err,
  GatewayConfig,
  isProximaError,
  ProximaError,
  parseWith,
  type Result,
  systemClock,
} from "@proxima/shared";
import pino, { type Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { loadGatewayConfig } from "../config/load.js";
import { readEnv } from "../env.js";
import { startGateway } from "../gateway.js";
import { CredentialStore } from "../kiosks/credentials.js";
import { outboxPath, SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { SqliteProfileCache } from "../profiles/cache.js";
import { readProfileFile } from "../profiles/load-file.js";
import { startSatellite } from "../satellite.js";
import { startCloudSync } from "../sync/start.js";
import type { Command } from "./main.js";

/** Where the gateway keeps each of its files inside `dataDir`. */
export const dataFiles = (dataDir: string) => ({
  credentials: join(dataDir, "kiosks.json"),
  profiles: join(dataDir, "profiles.db"),
  outbox: outboxPath(dataDir),
});

const USAGE = `Usage: proxima-gateway run --config gateway.json [--scanner simulate|replay|noble|none] [--trace FILE] [--seed N]

Starts the broker (TCP + WebSocket), the kiosks' RPC, presence from the configured scanner,
the outbox and, with a \`cloud\` section, the sync. Logs {"msg":"listening","port","wsPort",…} once bound;
/health and /metrics are served on the WebSocket port.
With "role": "satellite" it runs only the scanner and publishes its sightings to the hub's
broker ("hub": {"url","password"}); it logs {"msg":"hub connected"} on each connection.

  --scanner KIND   overrides config.scanner.kind (e.g. simulate on a machine without Bluetooth)
  --trace FILE     the trace for --scanner replay (relative to the current folder)
  --seed N         the seed for --scanner simulate

Environment: PROXIMA_GATEWAY_CONFIG (default for --config), PROXIMA_LOG_LEVEL.`;

const SCANNER_KINDS = ["simulate", "replay", "noble", "none"] as const;

/**
 * \`--scanner\`, \`--trace\`, \`--seed\` over \`config.scanner\`: the same config file runs on the
 * Pi (noble) and on a laptop without Bluetooth (simulate, replay). Settings of the
 * configured scanner are kept when the kind stays the same.
 */
export function scannerFromFlags(
  configured: GatewayConfig["scanner"],
  flags: { scanner?: string | undefined; trace?: string | undefined; seed?: string | undefined },
): Result<GatewayConfig["scanner"]> {
  const kind = flags.scanner ?? configured.kind;
  if (!(SCANNER_KINDS as readonly string[]).includes(kind))
    return err(new ProximaError("bad_request", `--scanner must be one of ${SCANNER_KINDS.join(", ")}`));
  if (flags.trace !== undefined && kind !== "replay")
    return err(new ProximaError("bad_request", "--trace goes with --scanner replay"));
  if (flags.seed !== undefined && kind !== "simulate")
    return err(new ProximaError("bad_request", "--seed goes with --scanner simulate"));
  const base: Record<string, unknown> = configured.kind === kind ? { ...configured } : { kind };
  // a path typed on the command line is relative to where it was typed, not to the config
  if (flags.trace !== undefined) base.trace = resolve(flags.trace);
  if (flags.seed !== undefined) {
    const seed = Number(flags.seed);
    if (!Number.isInteger(seed)) return err(new ProximaError("bad_request", "--seed must be an integer"));
    base.seed = seed;
  }
  if (kind === "replay" && base.trace === undefined)
    return err(new ProximaError("bad_request", "--scanner replay needs --trace FILE (a JSONL trace)"));
  return parseWith(GatewayConfig.shape.scanner, base, "--scanner");
}

export const runCommand: Command = {
  summary: "run the gateway from a gateway.json (broker, kiosks' RPC, presence, outbox, sync)",
  async run(args) {
    const env = readEnv();
    const { values } = parseArgs({
      args,
      options: {
        config: { type: "string", short: "c" },
        scanner: { type: "string" },
        trace: { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const configPath = values.config ?? env.configPath;
    if (!configPath) {
      console.error("run needs --config <gateway.json> (or PROXIMA_GATEWAY_CONFIG)");
      return 2;
    }
    const loaded = await loadGatewayConfig(configPath);
    if (!loaded.ok) {
      console.error(`refusing to start: ${loaded.error.message.replaceAll("; ", "\n  ")}`);
      return 1;
    }
    const scanner = scannerFromFlags(loaded.value.config.scanner, values);
    if (!scanner.ok) {
      console.error(`${scanner.error.message}\n\n${USAGE}`);
      return 2;
    }
    const config: GatewayConfig = { ...loaded.value.config, scanner: scanner.value };
    const { venue, paths } = loaded.value;
    if (config.role === "satellite" && !config.hub) {
      console.error(
        'refusing to start: role "satellite" needs a "hub" section: {"url":"mqtt://hub:1883","password":"…"}',
      );
      return 1;
    }
    const logger = pino({
      level: env.logLevel ?? config.logLevel,
      base: { service: "proxima-gateway", gatewayId: config.gatewayId },
    });
    logger.info(
      {
        venueId: venue.venueId,
        zones: venue.zones.length,
        scanners: venue.scanners.length,
        scanner: config.scanner.kind,
        role: config.role ?? "hub",
      },
      "config loaded",
    );
    try {
      if (config.role === "satellite") return await runSatellite(config, venue, paths, logger);
      return await runGateway(config, venue, paths, logger);
    } catch (error) {
      // a taken port, an unreadable file: say what and how to fix it, then exit non-zero
      logger.fatal(
        isProximaError(error) ? { code: error.code } : { err: error },
        isProximaError(error) ? error.message : `gateway failed to start: ${(error as Error).message}`,
      );
      return 1;
    }
  },
};

/** A satellite: the radio and the forwarder to the hub, until SIGTERM or the hub refuses it. */
async function runSatellite(
  config: GatewayConfig,
  venue: Parameters<typeof startGateway>[0]["venue"],
  paths: { config: string },
  logger: Logger,
): Promise<number> {
  const baseDir = dirname(paths.config);
  const hub = config.hub!;
  const ca = hub.ca ? await readFile(resolve(baseDir, hub.ca)) : undefined;
  const satellite = await startSatellite({
    config,
    venue,
    hub,
    baseDir,
    logger,
    clock: systemClock,
    ...(ca ? { ca } : {}),
  });
  logger.info(
    { hub: hub.url, scanner: satellite.scannerId, venueId: venue.venueId },
    "satellite started: forwarding sightings to the hub",
  );
  const outcome = await Promise.race([
    satellite.failed,
    new Promise<null>((done) => {
      process.once("SIGINT", () => done(null));
      process.once("SIGTERM", () => done(null));
    }),
  ]);
  if (outcome) logger.fatal({ code: outcome.code }, outcome.message);
  else logger.info("stopping");
  await satellite.close();
  logger.info({ ...satellite.stats() }, "stopped");
  return outcome ? 1 : 0;
}

async function runGateway(
  config: GatewayConfig,
  venue: Parameters<typeof startGateway>[0]["venue"],
  paths: { config: string; dataDir: string },
  logger: Logger,
): Promise<number> {
  const baseDir = dirname(paths.config);
  const files = dataFiles(paths.dataDir);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const credentials = await CredentialStore.open(files.credentials);
  const cache = await SqliteProfileCache.open(files.profiles);
  if (config.seed) {
    const seedPath = resolve(baseDir, config.seed);
    const changes = await readProfileFile(seedPath);
    if (!changes.ok) throw changes.error;
    const stats = await cache.applyChanges(changes.value);
    logger.info({ file: seedPath, ...stats, profiles: cache.size }, "seed data applied");
  }
  logger.info(
    {
      profiles: cache.size,
      campaigns: cache.campaigns().length,
      catalogue: cache.catalogue()?.version ?? null,
    },
    "profile cache loaded",
  );
  const outbox = await SqliteOutbox.open({
    path: files.outbox,
    maxBytes: config.outbox.maxBytes,
    keepDays: config.outbox.keepDays,
    logger: logger.child({ component: "outbox" }),
    registry,
  });
  const tls = config.mqtt.tls
    ? {
        key: await readFile(resolve(baseDir, config.mqtt.tls.key)),
        cert: await readFile(resolve(baseDir, config.mqtt.tls.cert)),
      }
    : undefined;

  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({
      config,
      venue,
      dataDir: paths.dataDir,
      baseDir,
      outbox,
      cache,
      credentials,
      logger,
      registry,
      clock: systemClock,
      ...(tls ? { tls } : {}),
    });
  } catch (error) {
    await outbox.close();
    await cache.close();
    throw error;
  }

  const sync = startCloudSync({
    config,
    venueId: venue.venueId,
    outbox,
    applyChanges: (changes) => cache.applyChanges(changes),
    logger,
    registry,
  });

  const host = config.mqtt.host === "0.0.0.0" ? "127.0.0.1" : config.mqtt.host;
  const scheme = gateway.broker.tls ? ["mqtts", "wss"] : ["mqtt", "ws"];
  logger.info(
    {
      port: gateway.port,
      wsPort: gateway.wsPort,
      url: `${scheme[0]}://${host}:${gateway.port}`,
      wsUrl: gateway.wsPort === null ? null : `${scheme[1]}://${host}:${gateway.wsPort}`,
      venueId: venue.venueId,
      profiles: cache.size,
      kiosks: credentials.list().filter((k) => k.role === "kiosk" && k.revokedAt === undefined).length,
      cloud: config.cloud?.url ?? null,
    },
    "listening",
  );

  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  logger.info("stopping");
  await gateway.close();
  await sync?.stop();
  await outbox.close();
  await cache.close();
  logger.info("stopped");
  return 0;
}
