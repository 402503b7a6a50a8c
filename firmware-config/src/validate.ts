import { readFile } from "node:fs/promises";
import { decodeJson, GatewayConfig, type Result, Venue } from "@proxima/shared";

export type CheckedFile = { kind: "venue"; value: Venue } | { kind: "gateway"; value: GatewayConfig };

/**
 * Validates a venue file or gateway config before it goes onto a gateway, so a
 * technician sees every problem on the laptop rather than on site.
 */
export async function validateFile(path: string, kind: "venue" | "gateway"): Promise<Result<CheckedFile>> {
  const text = await readFile(path, "utf8");
  if (kind === "venue") {
    const venue = decodeJson(Venue, text, `venue file ${path}`);
    return venue.ok ? { ok: true, value: { kind, value: venue.value } } : venue;
  }
  const config = decodeJson(GatewayConfig, text, `gateway config ${path}`);
  return config.ok ? { ok: true, value: { kind, value: config.value } } : config;
}
