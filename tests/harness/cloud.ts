import { spawnSync } from "node:child_process";
import { packageBin, repoRoot } from "./paths.js";

/**
 * Runs the built `proxima-cloud <args>` against `database` (a SQLite path or a
 * `postgres://` URL) and returns its stdout; a failing command throws with its output.
 */
export function cloudCli(database: string, args: string[]): string {
  const run = spawnSync(process.execPath, [packageBin("cloud-api", "proxima-cloud"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, PROXIMA_DATABASE_URL: database },
    encoding: "utf8",
  });
  if (run.status !== 0)
    throw new Error(`proxima-cloud ${args.join(" ")} failed:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}
