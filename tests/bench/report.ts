/**
 * Shared output of every benchmark: a human table on stdout, and with `--json` one
 * JSON object of the figures as the very last stdout line.
 */
export interface BenchOptions {
  json: boolean;
  args: string[];
}

export function benchOptions(argv = process.argv.slice(2)): BenchOptions {
  return { json: argv.includes("--json"), args: argv.filter((a) => a !== "--json") };
}

export function report(
  name: string,
  figures: Record<string, number | string | boolean | null>,
  options: BenchOptions,
): void {
  console.log(`\n${name}`);
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures)) {
    const shown = typeof value === "number" ? formatNumber(value) : String(value);
    console.log(`  ${key.padEnd(width)}  ${shown}`);
  }
  if (options.json) console.log(JSON.stringify({ bench: name, ...figures }));
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return n.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

/** Runs `fn` repeatedly for at least `ms` and returns operations per second (after a warm-up). */
export function throughput(fn: () => number, ms = 1000): number {
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    ops += fn();
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
