import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { decodeJson, TraceRecord } from "@proxima/shared";

/** A trace line that could not be used: reported with its line number, then skipped. */
export interface BadTraceLine {
  line: number;
  message: string;
}

/** Opens a trace: a path, or "-" for stdin. */
export function openTrace(path: string): Readable {
  return path === "-" ? process.stdin : createReadStream(path, { encoding: "utf8" });
}

/**
 * Reads JSONL trace records one by one, in file order. A malformed line (bad JSON,
 * schema violation) goes to `onBadLine` with its 1-based number and is skipped; blank
 * lines are ignored. Nothing else is lost.
 */
export async function* readTrace(
  input: Readable,
  onBadLine: (bad: BadTraceLine) => void,
): AsyncGenerator<TraceRecord> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === "") continue;
    const record = decodeJson(TraceRecord, text, `trace line ${n}`);
    if (record.ok) yield record.value;
    else onBadLine({ line: n, message: record.error.message });
  }
}
