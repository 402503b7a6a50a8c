import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface RunningProcess {
  child: ChildProcess;
  /** every stdout/stderr line so far, for assertions and failure messages */
  lines: string[];
  /** the JSON log record that matched `ready` */
  ready: Record<string, unknown>;
  port: number;
  url: string;
  /** resolves with the next line matching `match` (already-seen lines count) */
  waitForLine(
    match: (line: string, json: Record<string, unknown> | null) => boolean,
    timeoutMs?: number,
  ): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<number | null>;
  kill9(): Promise<void>;
}

export interface StartOptions {
  args: string[];
  /** flags for node itself, before the script (`--import tsx`, `--cpu-prof`) */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** the log line that says the process is up; default: a pino record with msg "listening" */
  ready?: (json: Record<string, unknown>) => boolean;
  timeoutMs?: number;
}

function asJson(line: string): Record<string, unknown> | null {
  if (!line.startsWith("{")) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * Starts a Node CLI (a package's bin) as a real process and waits for its "ready" log
 * line, which carries the port it bound (servers here always bind port 0 in tests).
 */
export function startProcess(script: string, options: StartOptions): Promise<RunningProcess> {
  const ready = options.ready ?? ((json) => json.msg === "listening");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters = new Set<{
    match: (l: string, j: Record<string, unknown> | null) => boolean;
    resolve: (l: string) => void;
  }>();
  const onLine = (line: string) => {
    lines.push(line);
    const json = asJson(line);
    for (const waiter of waiters)
      if (waiter.match(line, json)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", onLine);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const waitForLine: RunningProcess["waitForLine"] = (match, ms = timeoutMs) =>
    new Promise((resolve, reject) => {
      for (const line of lines) if (match(line, asJson(line))) return resolve(line);
      const waiter = { match, resolve };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(`timed out after ${ms} ms waiting for a log line; output so far:\n${lines.join("\n")}`),
        );
      }, ms);
      timer.unref();
      exited.then((code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`process exited (${code}) before the expected line; output:\n${lines.join("\n")}`));
      });
    });

  return waitForLine((_, json) => json !== null && ready(json)).then((line) => {
    const json = asJson(line)!;
    const port = Number(json.port ?? 0);
    return {
      child,
      lines,
      ready: json,
      port,
      url: typeof json.url === "string" ? json.url : `http://127.0.0.1:${port}`,
      waitForLine,
      async stop(graceMs = 5000) {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
      async kill9() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGKILL");
        await exited;
      },
    };
  });
}
