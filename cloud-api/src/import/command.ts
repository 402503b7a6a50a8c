import { createWriteStream, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Store } from "../store/port.js";
import { type ImportProgress, importCustomers } from "./customers.js";

export const IMPORT_USAGE = `  proxima-cloud import customers FILE.csv [--errors REPORT.csv]   customers from a CRM/POS export
  proxima-cloud export customers [--out FILE.ndjson]                every customer as NDJSON (stdout by default)`;

const HELP = `CSV columns (header row, any order, case-insensitive): loyalty, email, phone, app (at
least one per row), firstName, lastName, postcode, language, birthYear,
consentPersonalization, consentLocation, consentMarketing (yes/no). Rows are stitched to
the profiles venues already know; importing the same file again changes nothing.
Options: --database URL (default: PROXIMA_DATABASE_URL, as for serve).`;

function progressBar(p: ImportProgress, started: number): string {
  const share = p.totalBytes === 0 ? 1 : Math.min(1, p.bytesRead / p.totalBytes);
  const width = 30;
  const filled = Math.round(share * width);
  const rate = p.rows / Math.max(0.001, (performance.now() - started) / 1000);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${p.rows.toLocaleString("en-US")} rows  ${p.rejected} rejected  ${Math.round(rate).toLocaleString("en-US")} rows/s`;
}

/** `proxima-cloud import customers FILE.csv`: progress on stderr, a row-by-row error report. */
export async function importCommand(
  args: string[],
  openStore: (database: string | undefined) => Promise<Store>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { errors: { type: "string" }, database: { type: "string" } },
  });
  const [what, file] = positionals;
  if (what !== "customers" || !file) {
    console.error(`usage:\n${IMPORT_USAGE}\n\n${HELP}`);
    return 2;
  }
  const store = await openStore(values.database);
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let lastDraw = 0;
  let lastTenth = -1;
  try {
    const report = await importCustomers(store, file, {
      onProgress(p) {
        const now = performance.now();
        if (tty) {
          if (now - lastDraw < 100 && p.bytesRead < p.totalBytes) return;
          lastDraw = now;
          process.stderr.write(`\r${progressBar(p, started)}`);
        } else {
          // not a terminal (a log, CI): one line per tenth of the file
          const tenth = Math.floor((10 * p.bytesRead) / Math.max(1, p.totalBytes));
          if (tenth === lastTenth) return;
          lastTenth = tenth;
          process.stderr.write(`${progressBar(p, started)}\n`);
        }
      },
    });
    if (tty) process.stderr.write("\n");
    for (const warning of report.warnings) console.error(`warning: ${warning}`);
    console.log(
      `${file}: ${report.rows} rows, ${report.imported} imported, ${report.unchanged} unchanged, ${report.rejected.length} rejected`,
    );
    if (report.rejected.length === 0) return 0;
    for (const r of report.rejected.slice(0, 20)) console.error(`line ${r.line}: ${r.message}`);
    if (report.rejected.length > 20) console.error(`… and ${report.rejected.length - 20} more`);
    const reportPath = values.errors ?? `${file}.errors.csv`;
    const csv = [
      "line,problem",
      ...report.rejected.map((r) => `${r.line},"${r.message.replace(/"/g, '""')}"`),
    ].join("\n");
    writeFileSync(reportPath, `${csv}\n`);
    console.error(`every rejected row with its problem: ${reportPath}; fix them and import the file again`);
    return 1;
  } catch (error) {
    if (tty) process.stderr.write("\n");
    console.error(`import failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await store.close();
  }
}

/** `proxima-cloud export customers [--out FILE]`: NDJSON, one 360 view (without timeline) per line. */
export async function exportCommand(
  args: string[],
  openStore: (database: string | undefined) => Promise<Store>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, database: { type: "string" } },
  });
  if (positionals[0] !== "customers") {
    console.error(`usage:\n${IMPORT_USAGE}`);
    return 2;
  }
  const store = await openStore(values.database);
  const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : process.stdout;
  let count = 0;
  try {
    let after: string | null = null;
    for (;;) {
      const ids = await store.listProfileIds(after, 500);
      if (ids.length === 0) break;
      for (const id of ids) {
        const customer = await store.getCustomer(id, { limit: 1 });
        if (!customer) continue;
        const { timeline: _timeline, ...rest } = customer;
        if (!out.write(`${JSON.stringify(rest)}\n`))
          await new Promise<void>((r) => out.once("drain", () => r()));
        count++;
      }
      after = ids[ids.length - 1]!;
    }
  } finally {
    if (values.out) await new Promise<void>((r) => out.end(() => r()));
    await store.close();
  }
  if (values.out) console.error(`${count} customers written to ${values.out}`);
  return 0;
}
