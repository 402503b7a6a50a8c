// `pnpm bench` lists the benchmarks; `pnpm bench <name> [--json]` runs one.
// Benchmarks are TypeScript files in tests/bench/, run from source with tsx; the cloud
// servers they start run built, as users run them.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pnpm, root } from "./pnpm.mjs";

const dir = join(root, "tests", "bench");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
const [name, ...rest] = process.argv.slice(2);

if (!name || name === "--list" || name === "--help") {
  console.log(`Benchmarks (pnpm bench <name> [--json]):\n${names.map((n) => `  ${n}`).join("\n")}`);
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`no benchmark "${name}"; known: ${names.join(", ")}`);
  process.exit(2);
}
// The benchmarks run from source, but the cloud servers they start run as shipped
// (built dist/); build it first so they measure the code in this checkout.
console.log("[bench] building the cloud (its benchmarks run the built server)…");
pnpm(["--filter", "@proxima/cloud-api...", "--reporter=silent", "build"]);
const result = spawnSync(
  process.execPath,
  ["--conditions=@proxima/source", "--import", "tsx", "--expose-gc", join(dir, `${name}.bench.ts`), ...rest],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
