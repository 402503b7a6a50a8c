// The whole suite: typecheck, lint, then every vitest project (unit tests beside the
// code, cross-package/browser/fault tests in tests/). Ends with one plain
// "N passed, N failed" line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pnpm, root } from "./pnpm.mjs";

const args = process.argv.slice(2);
if (!args.includes("--no-check")) {
  console.log("[test] typecheck");
  pnpm(["-r", "--reporter=append-only", "typecheck"]);
  console.log("[test] lint");
  pnpm(["exec", "biome", "check", "."]);
}

mkdirSync(join(root, "tests", "artifacts"), { recursive: true });
const report = join(root, "tests", "artifacts", "vitest-report.json");
const vitestArgs = args.filter((a) => a !== "--no-check");
const run = spawnSync(
  process.execPath,
  [
    join(root, "node_modules", "vitest", "vitest.mjs"),
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...vitestArgs,
  ],
  { stdio: "inherit", cwd: root },
);

if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, "utf8"));
  if (r.numTotalTests === 0) {
    console.error("[test] no test ran: that is a failure, not a pass");
    process.exit(1);
  }
  console.log(
    `\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  );
}
process.exit(run.status ?? 1);
