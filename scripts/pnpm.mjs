// Locates (or fetches once) the pinned pnpm, so a machine with only Node and npm can
// run every workspace command. corepack 0.34 on Node 20 rejects pnpm's registry
// signatures here, so we install the exact version with npm into .proxima/tools.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
const local = join(root, ".proxima", "tools", "node_modules", "pnpm", "bin", "pnpm.cjs");

function onPath() {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  return probe.status === 0 && probe.stdout.trim() === pinned;
}

/** argv prefix that runs the pinned pnpm: ["pnpm"] or [node, .../pnpm.cjs]. */
export function pnpmCommand() {
  if (process.env.npm_execpath?.includes("pnpm") && onPath()) return ["pnpm"];
  if (existsSync(local)) return [process.execPath, local];
  if (onPath()) return ["pnpm"];
  console.log(`[setup] fetching pnpm ${pinned} with npm (one time)…`);
  execFileSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--prefix",
      join(root, ".proxima", "tools"),
      `pnpm@${pinned}`,
    ],
    { stdio: "inherit" },
  );
  return [process.execPath, local];
}

/** Runs pnpm with inherited stdio; exits the process with pnpm's code on failure. */
export function pnpm(args, options = {}) {
  const [cmd, ...pre] = pnpmCommand();
  const result = spawnSync(cmd, [...pre, ...args], { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`[setup] pnpm ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
