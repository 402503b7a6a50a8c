import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { decodeJson, PresenceEvent, TruthStay } from "@proxima/shared";
import type { z } from "zod";
import { type Evaluation, evaluatePresence } from "../evaluate/evaluate.js";
import type { Command } from "./main.js";

const HELP = `proxima-gateway evaluate --truth <truth.jsonl> --presence <presence.jsonl> [--json]

Compares presence events (replay's output) with ground truth (simulate's truth.jsonl):
  accuracy        share of time the reported zone (or none) equals the truth, every
                  subject over the whole window (DESIGN.md); "while present" counts
                  only the time truth or report says the subject is somewhere
  enter latency   for true stays ≥ 15 s: p50/p90 from the true start to the decision
                  (detectedAt), and misses, overall and per advertising interval
  changes         reported zone entries / true ones (flapping shows above 1)
  spurious        reported subjects that are not in the truth
Malformed lines are reported with their line number and skipped.`;

async function readJsonl<S extends z.ZodType>(path: string, schema: S, what: string): Promise<z.infer<S>[]> {
  const out: z.infer<S>[] = [];
  let n = 0;
  for await (const line of createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    n++;
    if (line.trim() === "") continue;
    const decoded = decodeJson(schema, line, `${what} line ${n}`);
    if (decoded.ok) out.push(decoded.value);
    else console.error(`${path}:${n}: skipped: ${decoded.error.message}`);
  }
  return out;
}

const ms = (v: number | null) => (v === null ? "—" : `${(v / 1000).toFixed(2)} s`);

export function formatEvaluation(e: Evaluation): string {
  const lines = [
    `zone-time accuracy   ${(e.accuracy * 100).toFixed(2)} %   (while present: ${(e.accuracyWhilePresent * 100).toFixed(2)} %)`,
    `enter latency        p50 ${ms(e.enterLatency.p50Ms)}  p90 ${ms(e.enterLatency.p90Ms)}  misses ${e.enterLatency.misses}/${e.enterLatency.stays} (${(e.enterLatency.missRate * 100).toFixed(1)} %)`,
  ];
  for (const [interval, f] of Object.entries(e.enterLatency.byAdvertIntervalMs))
    lines.push(
      `  advertising ${interval.padStart(4)} ms  p50 ${ms(f.p50Ms)}  p90 ${ms(f.p90Ms)}  misses ${f.misses}/${f.stays}`,
    );
  lines.push(
    `zone changes         reported ${e.changes.reported} / true ${e.changes.truth} = ${e.changes.ratio.toFixed(2)}×`,
    `subjects             true ${e.truthSubjects}, reported ${e.reportedSubjects}, spurious ${e.spuriousSubjects.length}, never reported ${e.missingSubjects.length}`,
  );
  if (e.spuriousSubjects.length > 0) lines.push(`spurious: ${e.spuriousSubjects.slice(0, 20).join(", ")}`);
  return lines.join("\n");
}

export const evaluateCommand: Command = {
  summary: "score presence events against simulated ground truth",
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        truth: { type: "string" },
        presence: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!values.truth || !values.presence) {
      console.error(`evaluate needs --truth and --presence\n\n${HELP}`);
      return 2;
    }
    let truth: TruthStay[];
    let presence: PresenceEvent[];
    try {
      truth = await readJsonl(values.truth, TruthStay, "truth");
      presence = await readJsonl(values.presence, PresenceEvent, "presence");
    } catch (error) {
      console.error(`cannot read input: ${(error as Error).message}`);
      return 1;
    }
    const evaluation = evaluatePresence(truth, presence);
    console.log(formatEvaluation(evaluation));
    if (values.json) console.log(JSON.stringify(evaluation));
    return 0;
  },
};
