import { parseArgs } from "node:util";
import pino from "pino";
import { loadGatewayConfig } from "../config/load.js";
import type { Command } from "./main.js";

export const runCommand: Command = {
  summary: "run the gateway from a gateway.json",
  async run(args) {
    const { values } = parseArgs({ args, options: { config: { type: "string", short: "c" } } });
    if (!values.config) {
      console.error("run needs --config <gateway.json>");
      return 2;
    }
    const loaded = await loadGatewayConfig(values.config);
    if (!loaded.ok) {
      console.error(`refusing to start: ${loaded.error.message.replaceAll("; ", "\n  ")}`);
      return 1;
    }
    const { config, venue } = loaded.value;
    const logger = pino({
      level: config.logLevel,
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
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    logger.info("stopped");
    return 0;
  },
};
