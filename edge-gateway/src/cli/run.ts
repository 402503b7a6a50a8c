import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isProximaError, systemClock } from "@proxima/shared";
import pino, { type Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { loadGatewayConfig } from "../config/load.js";
import { readEnv } from "../env.js";
import { startGateway } from "../gateway.js";
import { CredentialStore } from "../kiosks/credentials.js";
import { outboxPath, SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { SqliteProfileCache } from "../profiles/cache.js";
import { readProfileFile } from "../profiles/load-file.js";
import { startCloudSync } from "../sync/start.js";
import type { Command } from "./main.js";

/** Where the gateway keeps each of its files inside `dataDir`. */
export const dataFiles = (dataDir: string) => ({
  credentials: join(dataDir, "kiosks.json"),
  profiles: join(dataDir, "profiles.db"),
  outbox: outboxPath(dataDir),
});

export const runCommand: Command = {
  summary: "run the gateway from a gateway.json (broker, kiosks' RPC, presence, outbox, sync)",
  async run(args) {
    const env = readEnv();
    const { values } = parseArgs({
      args,
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      console.log(
        'Usage: proxima-gateway run --config gateway.json\n\nStarts the broker (TCP + WebSocket), the kiosks\' RPC, presence from the configured scanner,\nthe outbox and, with a `cloud` section, the sync. Logs {"msg":"listening","port","wsPort",…} once bound.\nEnvironment: PROXIMA_GATEWAY_CONFIG (default for --config), PROXIMA_LOG_LEVEL.',
      );
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
    const { config, venue, paths } = loaded.value;
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
      },
      "config loaded",
    );
    try {
      return await runGateway(loaded.value.config, venue, paths, logger);
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

async function runGateway(
  config: Parameters<typeof startGateway>[0]["config"],
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
