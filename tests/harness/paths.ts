import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const artifactsDir = join(repoRoot, "tests", "artifacts");

/** A package's built CLI; cross-process tests run what users run, so dist must exist. */
export function packageBin(pkg: "cloud-api" | "edge-gateway" | "firmware-config", bin: string): string {
  const path = join(repoRoot, pkg, "bin", `${bin}.js`);
  const dist = join(repoRoot, pkg, "dist");
  if (!existsSync(dist))
    throw new Error(
      `${pkg} is not built (${dist} missing): run the test command from the README, or pnpm build`,
    );
  return path;
}
