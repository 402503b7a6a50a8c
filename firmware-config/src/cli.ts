import { parseArgs } from "node:util";
import { validateFile } from "./validate.js";

const USAGE = `proxima-provision — the technician's CLI

Usage:
  proxima-provision validate --venue FILE       check a venue file, listing every problem
  proxima-provision validate --gateway FILE     check a gateway config`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "validate") {
    const { values } = parseArgs({
      args: rest,
      options: { venue: { type: "string" }, gateway: { type: "string" } },
    });
    const path = values.venue ?? values.gateway;
    if (!path) {
      console.error(USAGE);
      return 2;
    }
    const checked = await validateFile(path, values.venue ? "venue" : "gateway");
    if (!checked.ok) {
      const problems = (checked.error.details as { problems?: string[] } | undefined)?.problems ?? [
        checked.error.message,
      ];
      console.error(`${path} is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      return 1;
    }
    console.log(`${path}: valid ${checked.value.kind} file`);
    return 0;
  }
  console.log(USAGE);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}
