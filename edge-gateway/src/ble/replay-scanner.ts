import { type Clock, ProximaError, systemClock, type TraceRecord } from "@proxima/shared";
import type { Logger } from "pino";
import type { Scanner } from "./scanner.js";
import { openTrace, readTrace } from "./trace-file.js";

export interface ReplayScannerOptions {
  /** trace path, or "-" for stdin */
  trace: string;
  /** 1 = the trace's own pace; 10 = ten times faster */
  speed?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Plays a recorded trace as if it were a radio, at the trace's pace (× speed), with
 * timestamps moved to now so the live pipeline sees current times. Malformed lines are
 * logged with their line number and skipped. (`proxima-gateway replay` does not use
 * this: it drives the pipeline in virtual time as fast as the CPU allows.)
 */
export function createReplayScanner(options: ReplayScannerOptions): Scanner {
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? 1;
  let stopped = false;
  let wake: (() => void) | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      clock.setTimeout(resolve, ms);
    });

  const play = async (onAdvertisement: (ad: TraceRecord) => void) => {
    let first = Number.NaN;
    let origin = 0;
    const input = openTrace(options.trace);
    try {
      for await (const record of readTrace(input, (bad) =>
        options.logger?.warn(
          { trace: options.trace, line: bad.line },
          `skipping malformed trace line: ${bad.message}`,
        ),
      )) {
        if (stopped) break;
        if (Number.isNaN(first)) {
          first = record.ts;
          origin = clock.now();
        }
        const due = origin + (record.ts - first) / speed;
        const wait = due - clock.now();
        if (wait > 5) await sleep(wait);
        if (stopped) break;
        onAdvertisement({ ...record, ts: Math.round(due) });
      }
    } finally {
      if (input !== process.stdin) input.destroy();
      options.logger?.info({ trace: options.trace }, "replay scanner reached the end of its trace");
      resolveDone();
    }
  };

  return {
    done,
    async start(onAdvertisement) {
      if (options.trace !== "-") {
        const { access } = await import("node:fs/promises");
        try {
          await access(options.trace);
        } catch {
          throw new ProximaError("bad_config", `replay scanner: cannot read trace ${options.trace}`);
        }
      }
      play(onAdvertisement).catch((error: unknown) =>
        options.logger?.error({ err: error }, "replay scanner failed"),
      );
    },
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
