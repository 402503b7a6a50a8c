import { parseArgs } from "node:util";
import { systemClock } from "@proxima/shared";
import pino from "pino";
import { VENUE_USAGE, venueCommand } from "./analytics/cli.js";
import { openDashboardBackend } from "./analytics/mount.js";
import { USER_USAGE, userCommand } from "./auth/cli.js";
import { DEMO_USAGE, demoCommand } from "./demo/cli.js";
import { readEnv } from "./env.js";
import { exportCommand, IMPORT_USAGE, importCommand } from "./import/command.js";
import { createApp } from "./server/app.js";
import { listen } from "./server/listen.js";
import { TOKEN_USAGE, tokenCommand } from "./sources/command.js";
import { DEFAULT_STORE_URL } from "./store/create-store.js";
import { SqlStore } from "./store/sql-store.js";

/** SQLite file used when PROXIMA_DATABASE_URL is not set. */
const DEFAULT_DATABASE = DEFAULT_STORE_URL;

const USAGE = `proxima-cloud — the Proxima cloud API

Usage:
  proxima-cloud serve [--port N] [--host H]     start the API (port 0 = any free port)
${USER_USAGE}
${VENUE_USAGE}
${DEMO_USAGE}
${TOKEN_USAGE}
${IMPORT_USAGE}

Environment: PROXIMA_CLOUD_PORT, PROXIMA_CLOUD_HOST, PROXIMA_DATABASE_URL, PROXIMA_LOG_LEVEL`;

async function serveCommand(args: string[]): Promise<number> {
  const env = readEnv();
  const { values } = parseArgs({
    args,
    options: { port: { type: "string" }, host: { type: "string" } },
  });
  const logger = pino({ level: env.logLevel, base: { service: "proxima-cloud" } });
  const store = await SqlStore.open(env.database ?? DEFAULT_DATABASE);
  // analytics registers as the store's projection before any traffic
  const dashboard = await openDashboardBackend({ store, clock: systemClock, logger });
  await store.migrateProjections();
  const { app } = createApp({
    logger,
    dashboard,
    events: { store, logger },
    customers: { store },
    healthChecks: { store: () => store.ping() },
  });
  const port = values.port !== undefined ? Number(values.port) : (env.port ?? 8080);
  const host = values.host ?? env.host ?? "127.0.0.1";
  const server = await listen(app, port, host);
  logger.info({ port: server.port, url: server.url }, "listening");
  const stop = () => {
    logger.info("shutting down");
    server
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return await new Promise<number>(() => {});
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serveCommand(rest);
    case "user":
      return userCommand(rest, readEnv().database ?? DEFAULT_DATABASE);
    case "venue":
      return venueCommand(rest, readEnv().database ?? DEFAULT_DATABASE);
    case "token":
      return tokenCommand(rest, (override) =>
        SqlStore.open(override ?? readEnv().database ?? DEFAULT_DATABASE),
      );
    case "import":
      return importCommand(rest, (override) =>
        SqlStore.open(override ?? readEnv().database ?? DEFAULT_DATABASE),
      );
    case "export":
      return exportCommand(rest, (override) =>
        SqlStore.open(override ?? readEnv().database ?? DEFAULT_DATABASE),
      );
    case "demo":
      return demoCommand(rest, readEnv().database ?? DEFAULT_DATABASE);
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
