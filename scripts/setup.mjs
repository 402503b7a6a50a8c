// One-step set-up for a fresh clone: pinned pnpm, dependencies (native addons built
// from source), then every package built. Cheap to re-run: install is skipped while
// the lockfile is unchanged, and builds are incremental.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pnpm, root } from "./pnpm.mjs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  console.error(`Proxima needs Node.js 20.11 or newer; this is ${process.version}.`);
  process.exit(1);
}

const lock = join(root, "pnpm-lock.yaml");
const stampFile = join(root, "node_modules", ".proxima-install");
const digest = () =>
  createHash("sha256")
    .update(existsSync(lock) ? readFileSync(lock) : "")
    .update(process.version)
    .digest("hex");
const installed = existsSync(stampFile) && readFileSync(stampFile, "utf8") === digest();

if (!installed) {
  console.log(
    "[setup] installing dependencies (native addons build from source; the first run takes a few minutes)…",
  );
  pnpm(["install", ...(process.env.CI ? ["--frozen-lockfile"] : [])]);
  mkdirSync(join(root, "node_modules"), { recursive: true });
  writeFileSync(stampFile, digest());
}

if (!process.argv.includes("--no-build")) {
  console.log("[setup] building packages…");
  pnpm(["-r", "--workspace-concurrency=1", "--reporter=append-only", "build"]);
}
