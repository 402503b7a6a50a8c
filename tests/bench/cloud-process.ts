/**
 * Runs the cloud CLI as it ships (`cloud-api/bin/proxima-cloud.js` over the built
 * `dist/`, which `pnpm bench` builds first) in its own process: `serve` on port 0, and
 * `token create` against the same database. Run from source through tsx instead, the
 * server spent ~2-3 µs more of the event loop an event (tsx keeps function names with a
 * helper call wherever a closure is made).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { packageBin, repoRoot } from "../harness/paths.js";

export interface CloudProcess {
  url: string;
  child: ChildProcess;
  /** the server's log lines that are not plain info (errors, warnings) */
  problems(): string[];
  stop(): Promise<void>;
}

export function cloudCli(args: string[], env: Record<string, string>): string {
  const run = spawnSync(process.execPath, [packageBin("cloud-api", "proxima-cloud"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  if (run.status !== 0)
    throw new Error(`proxima-cloud ${args.join(" ")} failed:\n${run.stderr}${run.stdout}`);
  return run.stdout.trim();
}

export function createToken(source: string, database: string): string {
  const out = cloudCli(["token", "create", "--source", source, "--json"], { PROXIMA_DATABASE_URL: database });
  return (JSON.parse(out.split("\n").at(-1)!) as { token: string }).token;
}

export function startCloud(database: string): Promise<CloudProcess> {
  // PROXIMA_BENCH_CPU_PROF=dir: the cloud writes a V8 CPU profile there when it stops
  // (open it in Chrome DevTools), to see where a benchmark's server time goes.
  const profile = process.env.PROXIMA_BENCH_CPU_PROF;
  const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const cli = packageBin("cloud-api", "proxima-cloud");
  return startServer([...flags, cli, "serve", "--port", "0"], {
    PROXIMA_DATABASE_URL: database,
    PROXIMA_LOG_LEVEL: "info",
  });
}

/**
 * The ingest floor (ingest-floor.ts) on a SQLite file: the least work any `POST /v1/events`
 * does, run from source over the built packages, as the benchmarks' baseline for the cloud.
 */
export function startIngestFloor(path: string): Promise<CloudProcess> {
  return startServer(["--import", "tsx", join(import.meta.dirname, "ingest-floor.ts"), path]);
}

/**
 * Starts `node <args>` and resolves once it logs a JSON line `{"msg":"listening","url":…}`
 * (the cloud's own log line, and what the benchmarks' stand-in servers print).
 */
export function startServer(args: string[], env: Record<string, string> = {}): Promise<CloudProcess> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const onLine = (line: string) => {
      lines.push(line);
      if (!line.includes('"listening"')) return;
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        child,
        problems: () => lines.filter((l) => !l.includes('"level":30')),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    createInterface({ input: child.stdout! }).on("line", onLine);
    createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
    child.once("exit", (code) => reject(new Error(`server exited (${code}):\n${lines.join("\n")}`)));
  });
}

/** CPU time (user + system, all threads) a process has used so far, in seconds (Linux). */
export function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat: the fields after the command's closing ") " start at field 3;
  // utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
