import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadVenue } from "../config/load.js";
import { createSimulation } from "../simulate/simulator.js";
import type { Command } from "./main.js";

/** "10m", "90s", "1h", "500ms" or plain milliseconds; null if unreadable. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

/** Buffered line writer: one write per ~64 KiB, respecting backpressure. */
export function lineWriter(path: string) {
  const stream = path === "-" ? process.stdout : createWriteStream(path);
  let buffer = "";
  return {
    async write(line: string) {
      buffer += `${line}\n`;
      if (buffer.length >= 65_536) {
        const chunk = buffer;
        buffer = "";
        if (!stream.write(chunk)) await once(stream, "drain");
      }
    },
    async close() {
      if (buffer.length > 0) stream.write(buffer);
      buffer = "";
      if (stream !== process.stdout) {
        stream.end();
        await once(stream, "finish");
      }
    },
  };
}

const HELP = `proxima-gateway simulate --venue <venue.json> --out <dir> [options]

Writes a synthetic trace of the venue with its ground truth:
  <dir>/trace.jsonl   trace records (the contract format replay reads)
  <dir>/truth.jsonl   true stays, one per line (what evaluate reads)
  <dir>/venue.json    the venue plus the fixed wall beacons the simulation placed
  <dir>/radio.json    the hidden per-scanner gain/exponent/sensitivity (diagnostics)

Options:
  --seed <n>          random seed (default 1); same seed, same trace
  --visitors <n>      beacon-carrying visitors (default 60)
  --anonymous <n>     non-beacon phones (default visitors / 2)
  --duration <d>      simulated time, e.g. 20m, 90s (default 20m)
  --start <ms>        first timestamp (default 1732262400000)`;

export const simulateCommand: Command = {
  summary: "generate a synthetic venue trace with its ground truth",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        venue: { type: "string" },
        out: { type: "string" },
        seed: { type: "string", default: "1" },
        visitors: { type: "string", default: "60" },
        anonymous: { type: "string" },
        duration: { type: "string", default: "20m" },
        start: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!values.venue || !values.out) {
      console.error(`simulate needs --venue and --out\n\n${HELP}`);
      return 2;
    }
    const durationMs = parseDuration(values.duration);
    const seed = Number(values.seed);
    const visitors = Number(values.visitors);
    const anonymous = values.anonymous === undefined ? undefined : Number(values.anonymous);
    const problems: string[] = [];
    if (durationMs === null || durationMs <= 0)
      problems.push(`--duration "${values.duration}": use e.g. 20m, 90s, 1h`);
    if (!Number.isInteger(seed)) problems.push(`--seed "${values.seed}": an integer`);
    if (!Number.isInteger(visitors) || visitors < 0)
      problems.push(`--visitors "${values.visitors}": a count ≥ 0`);
    if (anonymous !== undefined && (!Number.isInteger(anonymous) || anonymous < 0))
      problems.push(`--anonymous "${values.anonymous}": a count ≥ 0`);
    if (problems.length > 0) {
      console.error(`simulate: ${problems.join("\n  ")}`);
      return 2;
    }
    const venue = await loadVenue(values.venue);
    if (!venue.ok) {
      console.error(`refusing to simulate: ${venue.error.message.replaceAll("; ", "\n  ")}`);
      return 1;
    }
    const simulation = createSimulation({
      venue: venue.value,
      seed,
      visitors,
      durationMs: durationMs!,
      ...(anonymous !== undefined ? { anonymousDevices: anonymous } : {}),
      ...(values.start ? { startTs: Number(values.start) } : {}),
      truth: true,
    });
    await mkdir(values.out, { recursive: true });
    const trace = lineWriter(join(values.out, "trace.jsonl"));
    let records = 0;
    for (let r = simulation.next(); r !== null; r = simulation.next()) {
      await trace.write(JSON.stringify(r));
      records++;
    }
    await trace.close();
    const truth = simulation.truth();
    await writeFile(
      join(values.out, "truth.jsonl"),
      truth.map((s) => JSON.stringify(s)).join("\n") + (truth.length ? "\n" : ""),
    );
    await writeFile(join(values.out, "venue.json"), `${JSON.stringify(simulation.venue, null, 1)}\n`);
    await writeFile(join(values.out, "radio.json"), `${JSON.stringify(simulation.radio, null, 1)}\n`);
    console.error(
      JSON.stringify({
        msg: "simulated",
        out: values.out,
        records,
        truthStays: truth.length,
        subjects: new Set(truth.map((s) => s.subject)).size,
        durationMs,
        seed,
      }),
    );
    return 0;
  },
};
