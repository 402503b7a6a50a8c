import { runCommand } from "./run.js";

/**
 * `proxima-gateway <command>`: each command lives in its own module under src/cli/
 * and is loaded only when called (so `replay` never loads the BLE stack).
 */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => runCommand,
  replay: async () => (await import("./replay.js")).replayCommand,
  record: async () => (await import("./record.js")).recordCommand,
  simulate: async () => (await import("./simulate.js")).simulateCommand,
  evaluate: async () => (await import("./evaluate.js")).evaluateCommand,
  status: async () => (await import("./status.js")).statusCommand,
  kiosk: async () => (await import("./kiosk.js")).kioskCommand,
  profiles: async () => (await import("./profiles.js")).profilesCommand,
};

function usage(): string {
  return [
    "proxima-gateway — the Proxima edge gateway",
    "",
    "Usage: proxima-gateway <command> [options]    (--help after a command for its options)",
    "",
    "Commands:",
    ...Object.keys(COMMANDS).map((name) => `  ${name}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help") {
    console.log(usage());
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await load();
  return command.run(rest);
}
