import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { decodeJson, err, GatewayConfig, ok, ProximaError, type Result, Venue } from "@proxima/shared";

export interface LoadedGatewayConfig {
  config: GatewayConfig;
  venue: Venue;
  /** absolute paths, resolved against the config file's folder */
  paths: { config: string; venue: string; dataDir: string };
}

async function readText(path: string, what: string): Promise<Result<string>> {
  try {
    return ok(await readFile(path, "utf8"));
  } catch (cause) {
    return err(new ProximaError("bad_config", `cannot read ${what} ${path}: ${(cause as Error).message}`));
  }
}

/** Reads and validates a venue file; every problem is listed with its path. */
export async function loadVenue(path: string): Promise<Result<Venue>> {
  const text = await readText(path, "venue file");
  if (!text.ok) return text;
  const venue = decodeJson(Venue, text.value, `venue file ${path}`);
  return venue.ok ? venue : err(new ProximaError("bad_config", venue.error.message, venue.error.details));
}

/** Parses gateway.json and the venue it names, once, at start-up. */
export async function loadGatewayConfig(path: string): Promise<Result<LoadedGatewayConfig>> {
  const configPath = resolve(path);
  const text = await readText(configPath, "gateway config");
  if (!text.ok) return text;
  const config = decodeJson(GatewayConfig, text.value, `gateway config ${configPath}`);
  if (!config.ok) return err(new ProximaError("bad_config", config.error.message, config.error.details));
  const base = dirname(configPath);
  const venuePath = resolve(base, config.value.venue);
  const venue = await loadVenue(venuePath);
  if (!venue.ok) return venue;
  return ok({
    config: config.value,
    venue: venue.value,
    paths: { config: configPath, venue: venuePath, dataDir: resolve(base, config.value.dataDir) },
  });
}
