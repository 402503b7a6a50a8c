/**
 * The servers the benchmarks measure, each in its own process on port 0 (the tests'
 * `startProcess`):
 * - the cloud CLI as it ships (`cloud-api/bin/proxima-cloud.js` over the built `dist/`,
 *   which `pnpm bench` builds first). Run from source through tsx instead, the server
 *   spent ~2-3 µs more of the event loop an event (tsx keeps function names with a helper
 *   call wherever a closure is made);
 * - the ingest floor (ingest-floor.ts), the same-run baseline for ingest and drain.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cloudCli } from "../harness/cloud.js";
import { packageBin, repoRoot } from "../harness/paths.js";
import { type RunningProcess, startProcess } from "../harness/process.js";

export function createToken(source: string, database: string): string {
  const out = cloudCli(database, ["token", "create", "--source", source, "--json"]).trim();
  return (JSON.parse(out.split("\n").at(-1)!) as { token: string }).token;
}

export function startCloud(database: string): Promise<RunningProcess> {
  // PROXIMA_BENCH_CPU_PROF=dir: the cloud writes a V8 CPU profile there when it stops
  // (open it in Chrome DevTools), to see where a benchmark's server time goes.
  const profile = process.env.PROXIMA_BENCH_CPU_PROF;
  return startProcess(packageBin("cloud-api", "proxima-cloud"), {
    nodeArgs: profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [],
    args: ["serve", "--port", "0"],
    cwd: repoRoot,
    env: { PROXIMA_DATABASE_URL: database, PROXIMA_LOG_LEVEL: "info" },
  });
}

/**
 * The ingest floor on a SQLite file: the least work any `POST /v1/events` does, run from
 * source over the built packages.
 */
export function startIngestFloor(path: string): Promise<RunningProcess> {
  return startProcess(join(import.meta.dirname, "ingest-floor.ts"), {
    nodeArgs: ["--import", "tsx"],
    args: [path],
    cwd: repoRoot,
  });
}

/** A server's log lines that are not plain info (errors, warnings), for a failed run's message. */
export const problems = (server: RunningProcess): string[] =>
  server.lines.filter((line) => !line.includes('"level":30')).slice(0, 5);

/** CPU time (user + system, all threads) a process has used so far, in seconds (Linux). */
export function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat: the fields after the command's closing ") " start at field 3;
  // utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
