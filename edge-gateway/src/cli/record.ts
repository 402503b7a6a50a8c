import { parseArgs } from "node:util";
import { isProximaError, systemClock, type Venue } from "@proxima/shared";
import pino from "pino";
import { loadGatewayConfig, loadVenue } from "../config/load.js";
import { createScanner } from "../sensing.js";
import type { Command } from "./main.js";
import { lineWriter, parseDuration } from "./simulate.js";

const HELP = `proxima-gateway record --out <trace.jsonl | -> [--duration 10m] [options]

Captures advertisements in the trace format (one JSON record per line) until the
duration is over or on Ctrl-C.

Options:
  --config <gateway.json>   take the scanner and venue from the gateway config
  --venue <venue.json>      (without --config) the venue, for scanner ids
  --scanner <kind>          noble (default), simulate or replay
  --scanner-id <id>         the venue scanner this radio is (noble; default: gateway id)
  --trace <path>            with --scanner replay
  --seed <n>                with --scanner simulate`;

export const recordCommand: Command = {
  summary: "capture advertisements to a trace file",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        out: { type: "string" },
        duration: { type: "string", default: "10m" },
        config: { type: "string", short: "c" },
        venue: { type: "string" },
        scanner: { type: "string" },
        "scanner-id": { type: "string" },
        trace: { type: "string" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!values.out) {
      console.error(`record needs --out\n\n${HELP}`);
      return 2;
    }
    const durationMs = parseDuration(values.duration);
    if (durationMs === null || durationMs <= 0) {
      console.error(`record: --duration "${values.duration}": use e.g. 10m, 90s, 1h`);
      return 2;
    }
    const logger = pino({ base: { service: "proxima-gateway", command: "record" } }, pino.destination(2));
    let venue: Venue;
    let scannerConfig: Parameters<typeof createScanner>[0];
    let scannerId = values["scanner-id"];
    let baseDir = process.cwd();
    if (values.config) {
      const loaded = await loadGatewayConfig(values.config);
      if (!loaded.ok) {
        console.error(`refusing to record: ${loaded.error.message.replaceAll("; ", "\n  ")}`);
        return 1;
      }
      venue = loaded.value.venue;
      scannerConfig = loaded.value.config.scanner;
      scannerId ??= loaded.value.config.gatewayId;
      baseDir = loaded.value.paths.config.replace(/[/\\][^/\\]*$/, "");
    } else {
      if (!values.venue) {
        console.error("record needs --config <gateway.json> or --venue <venue.json>");
        return 2;
      }
      const loaded = await loadVenue(values.venue);
      if (!loaded.ok) {
        console.error(`refusing to record: ${loaded.error.message.replaceAll("; ", "\n  ")}`);
        return 1;
      }
      venue = loaded.value;
      scannerConfig = { kind: "noble", stallRestartMs: 3000 };
    }
    if (values.scanner === "simulate")
      scannerConfig = { kind: "simulate", seed: Number(values.seed), visitors: 30, speed: 1 };
    else if (values.scanner === "replay") {
      if (!values.trace) {
        console.error("record --scanner replay needs --trace");
        return 2;
      }
      scannerConfig = { kind: "replay", trace: values.trace, speed: 1 };
    } else if (values.scanner !== undefined && values.scanner !== "noble") {
      console.error(`record: unknown --scanner "${values.scanner}" (noble, simulate, replay)`);
      return 2;
    }
    const scanner = await createScanner(scannerConfig, {
      venue,
      clock: systemClock,
      logger,
      baseDir,
      ...(scannerId ? { scannerId } : {}),
    });
    const out = lineWriter(values.out);
    let records = 0;
    let writing = Promise.resolve();
    try {
      await scanner.start((ad) => {
        records++;
        writing = writing.then(() => out.write(JSON.stringify(ad)));
      });
    } catch (error) {
      console.error(isProximaError(error) ? `${error.code}: ${error.message}` : String(error));
      await out.close();
      return 1;
    }
    logger.info({ out: values.out, durationMs }, "recording");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, durationMs);
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      scanner.done?.then(stop);
    });
    await scanner.stop();
    await writing;
    await out.close();
    logger.info({ out: values.out, records }, "recorded");
    return 0;
  },
};
