import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadGatewayConfig } from "../config/load.js";
import type { OutboxStats } from "../outbox/port.js";
import { outboxPath, readOutboxStats } from "../outbox/sqlite-outbox.js";
import type { Command } from "./main.js";

/**
 * `proxima-gateway status --config gateway.json [--json]`: the sync backlog as a
 * technician in the field needs it. Reads the outbox file (WAL lets it do so while the
 * gateway runs) and never writes it.
 */
export const statusCommand: Command = {
  summary: "show the outbox backlog, oldest unsent event, last successful sync and dropped events",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { config: { type: "string", short: "c" }, json: { type: "boolean" } },
    });
    if (!values.config) {
      console.error("status needs --config <gateway.json>");
      return 2;
    }
    const loaded = await loadGatewayConfig(values.config);
    if (!loaded.ok) {
      console.error(`cannot read the config: ${loaded.error.message}`);
      return 1;
    }
    const path = outboxPath(loaded.value.paths.dataDir);
    const stats: OutboxStats = existsSync(path)
      ? await readOutboxStats(path)
      : { pending: 0, oldestPendingTs: null, dropped: 0, lastSyncAt: null };
    const now = Date.now();
    if (values.json) {
      console.log(JSON.stringify({ gatewayId: loaded.value.config.gatewayId, outbox: path, ...stats }));
      return 0;
    }
    const when = (ts: number | null) =>
      ts === null ? "never" : `${new Date(ts).toISOString()} (${formatAge(now - ts)} ago)`;
    console.log(
      [
        `gateway        ${loaded.value.config.gatewayId}`,
        `outbox         ${path}${existsSync(path) ? "" : " (not created yet)"}`,
        `backlog        ${stats.pending.toLocaleString("en-US")} events waiting for the cloud`,
        `oldest unsent  ${stats.oldestPendingTs === null ? "none" : when(stats.oldestPendingTs)}`,
        `last sync      ${when(stats.lastSyncAt)}`,
        `dropped        ${stats.dropped.toLocaleString("en-US")}${stats.dropped > 0 ? "  (outbox was full: oldest events were dropped)" : ""}`,
        `cloud          ${loaded.value.config.cloud?.url ?? "not configured (events only queue)"}`,
      ].join("\n"),
    );
    return 0;
  },
};

function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
