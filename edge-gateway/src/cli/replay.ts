import { parseArgs } from "node:util";
import { PresenceTuning, parseJson, parseWith } from "@proxima/shared";
import { openTrace, readTrace } from "../ble/trace-file.js";
import { loadVenue } from "../config/load.js";
import { createPresencePipeline } from "../presence/pipeline.js";
import type { Command } from "./main.js";
import { lineWriter } from "./simulate.js";

const HELP = `proxima-gateway replay --venue <venue.json> --trace <trace.jsonl | -> [--out <presence.jsonl | ->]

Runs the edge pipeline (decode → filter → zone tracker) over a recorded or simulated
trace in virtual time, as fast as the CPU allows, deterministically. Presence events go
to --out (default: stdout), one JSON object per line; at the end of the trace, open
presences close at its last ts. Malformed trace lines are reported on stderr with their
line number and skipped.

Options:
  --tuning <json>     overrides of the venue's tuning, e.g. '{"minDwellMs":3000}'
  --occupancy <path>  also write occupancy changes ({"zone","count","ts"} per line)
  --quiet             no summary on stderr`;

export const replayCommand: Command = {
  summary: "run the presence pipeline over a trace in virtual time",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        venue: { type: "string" },
        trace: { type: "string" },
        out: { type: "string", default: "-" },
        tuning: { type: "string" },
        occupancy: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!values.venue || !values.trace) {
      console.error(`replay needs --venue and --trace\n\n${HELP}`);
      return 2;
    }
    const venue = await loadVenue(values.venue);
    if (!venue.ok) {
      console.error(`refusing to replay: ${venue.error.message.replaceAll("; ", "\n  ")}`);
      return 1;
    }
    let tuning: PresenceTuning | undefined;
    if (values.tuning) {
      const json = parseJson(values.tuning, "--tuning");
      const parsed = json.ok ? parseWith(PresenceTuning, json.value, "--tuning") : json;
      if (!parsed.ok) {
        console.error(parsed.error.message);
        return 2;
      }
      tuning = parsed.value;
    }
    const started = performance.now();
    const out = lineWriter(values.out);
    const occupancyOut = values.occupancy ? lineWriter(values.occupancy) : null;
    const pending: string[] = [];
    const pendingOccupancy: string[] = [];
    const pipeline = createPresencePipeline({ venue: venue.value, ...(tuning ? { tuning } : {}) });
    let events = 0;
    pipeline.onPresence((event) => {
      events++;
      pending.push(JSON.stringify(event));
    });
    if (occupancyOut)
      pipeline.onOccupancy((zone, occupancy) =>
        pendingOccupancy.push(JSON.stringify({ zone, ...occupancy })),
      );
    const flush = async () => {
      for (const line of pending) await out.write(line);
      pending.length = 0;
      if (occupancyOut) for (const line of pendingOccupancy) await occupancyOut.write(line);
      pendingOccupancy.length = 0;
    };

    let input: ReturnType<typeof openTrace>;
    try {
      input = openTrace(values.trace);
    } catch (error) {
      console.error(`cannot read trace ${values.trace}: ${(error as Error).message}`);
      return 1;
    }
    let records = 0;
    let badLines = 0;
    let lastTs = Number.NaN;
    try {
      for await (const record of readTrace(input, (bad) => {
        badLines++;
        console.error(
          `${values.trace === "-" ? "stdin" : values.trace}:${bad.line}: skipped: ${bad.message}`,
        );
      })) {
        records++;
        pipeline.observe(record);
        if (!(record.ts <= lastTs)) lastTs = record.ts;
        if (pending.length >= 256) await flush();
      }
    } catch (error) {
      console.error(`cannot read trace ${values.trace}: ${(error as Error).message}`);
      return 1;
    }
    if (!Number.isNaN(lastTs)) pipeline.close(lastTs);
    await flush();
    await out.close();
    await occupancyOut?.close();
    const seconds = (performance.now() - started) / 1000;
    if (!values.quiet)
      console.error(
        JSON.stringify({
          msg: "replayed",
          records,
          badLines,
          presenceEvents: events,
          subjects: pipeline.stats().trackedSubjects,
          anonymousDevices: pipeline.anonymousFootfall().devices,
          seconds: Math.round(seconds * 1000) / 1000,
          recordsPerSec: Math.round(records / Math.max(seconds, 1e-6)),
          calibration: pipeline.calibration(),
        }),
      );
    return 0;
  },
};
