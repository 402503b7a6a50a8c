import { fork } from "node:child_process";
import { join } from "node:path";
import type { WorkerInput, WorkerReady } from "./gateway-worker.js";

export interface BenchGatewayStats {
  outboxPending: number;
  loopDelayP99Ms: number;
  /** upper bound (histogram bucket) of the gateway's own p99 time per request, ms */
  rpcP99UpperMs: { personalize: number | null; echo: number | null };
}

export interface BenchGateway extends WorkerReady {
  /** starts measuring the gateway's event-loop delay */
  measure(): void;
  /** stops the gateway process; resolves with the outbox backlog it left and its loop delay */
  stop(): Promise<BenchGatewayStats>;
}

/** Forks the benchmark gateway (same Node flags as this process: tsx, source conditions). */
export async function startBenchGateway(input: WorkerInput): Promise<BenchGateway> {
  const child = fork(join(import.meta.dirname, "gateway-worker.ts"), [JSON.stringify(input)], {
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<WorkerReady>((resolve, reject) => {
    child.once("message", (m) => resolve(m as WorkerReady));
    child.once("exit", (code) => reject(new Error(`bench gateway exited (${code}) before it was ready`)));
  });
  return {
    ...ready,
    measure: () => child.send("measure"),
    stop: () =>
      new Promise((resolve) => {
        child.once("message", (m) => resolve(m as BenchGatewayStats));
        child.send("stop");
      }),
  };
}
