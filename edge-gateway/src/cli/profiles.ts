import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadGatewayConfig } from "../config/load.js";
import { readEnv } from "../env.js";
import { SqliteProfileCache } from "../profiles/cache.js";
import { demoBundle } from "../profiles/demo-data.js";
import { readProfileFile } from "../profiles/load-file.js";
import type { Command } from "./main.js";
import { dataFiles } from "./run.js";

const USAGE = `Usage:
  proxima-gateway profiles load <file> --config gateway.json
  proxima-gateway profiles count --config gateway.json
  proxima-gateway profiles demo [--count 500] [--visitors 30] [--out file.json]

<file>: NDJSON (one profile or sync change per line), a JSON array of profiles, a JSON
sync page, or a JSON bundle {catalogue, segments, campaigns, profiles}. Loading is
idempotent (newest profile version wins). Restart a running gateway to see the changes.`;

/** `proxima-gateway profiles load FILE`: fills the profile cache from a file (the cloud sync does it live). */
export const profilesCommand: Command = {
  summary: "load profiles, segments, campaigns and a catalogue into the profile cache from a file",
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        count: { type: "string", default: "500" },
        visitors: { type: "string", default: "30" },
        out: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [action, file] = positionals;
    if (values.help || !action) {
      console.log(USAGE);
      return values.help ? 0 : 2;
    }
    if (action === "demo") {
      const count = Number(values.count);
      const visitors = Number(values.visitors);
      if (!Number.isInteger(count) || count < 0 || !Number.isInteger(visitors) || visitors < 0) {
        console.error("--count and --visitors must be whole numbers");
        return 2;
      }
      const text = `${JSON.stringify(demoBundle(count, { visitors }))}\n`;
      if (values.out) await writeFile(values.out, text);
      else process.stdout.write(text);
      return 0;
    }
    const configPath = values.config ?? readEnv().configPath;
    if (!configPath) {
      console.error(`profiles ${action} needs --config <gateway.json>\n\n${USAGE}`);
      return 2;
    }
    const loaded = await loadGatewayConfig(configPath);
    if (!loaded.ok) {
      console.error(`cannot read the config: ${loaded.error.message}`);
      return 1;
    }
    if (action !== "load" && action !== "count") {
      console.error(`unknown action "${action}"\n\n${USAGE}`);
      return 2;
    }
    if (action === "load" && !file) {
      console.error(`profiles load needs a file\n\n${USAGE}`);
      return 2;
    }
    const started = performance.now();
    const cache = await SqliteProfileCache.open(dataFiles(loaded.value.paths.dataDir).profiles);
    try {
      if (action === "count") {
        console.log(
          JSON.stringify({
            profiles: cache.size,
            campaigns: cache.campaigns().length,
            catalogue: cache.catalogue()?.version ?? null,
          }),
        );
        return 0;
      }
      const changes = await readProfileFile(file!);
      if (!changes.ok) {
        console.error(changes.error.message);
        return 1;
      }
      const stats = await cache.applyChanges(changes.value);
      console.log(
        JSON.stringify({
          file,
          changes: changes.value.length,
          ...stats,
          profiles: cache.size,
          ms: Math.round(performance.now() - started),
        }),
      );
      return 0;
    } finally {
      await cache.close();
    }
  },
};
