import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import {
  type Clock,
  CustomerCsvRow,
  type EventEnvelope,
  EventEnvelope as EventSchema,
  type Identity,
  parseWith,
  systemClock,
} from "@proxima/shared";
import type { Store } from "../store/port.js";
import { CsvReader } from "./csv.js";

export interface RowError {
  /** line in the file where the row starts (the header is line 1) */
  line: number;
  message: string;
}

export interface ImportReport {
  rows: number;
  imported: number;
  /** rows whose events were already stored (the same row imported before) */
  unchanged: number;
  rejected: RowError[];
  /** problems with the file that rejected no row (unknown columns) */
  warnings: string[];
}

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
  rejected: number;
}

export interface ImportOptions {
  clock?: Clock;
  /** rows per ingest batch */
  batchSize?: number;
  onProgress?(progress: ImportProgress): void;
}

/** column names accepted for each field, compared case-insensitively without `_`, `-` and spaces */
const COLUMN_ALIASES: Record<string, keyof typeof CustomerCsvRow.shape> = {
  loyalty: "loyalty",
  loyaltyid: "loyalty",
  loyaltynumber: "loyalty",
  email: "email",
  emailaddress: "email",
  phone: "phone",
  mobile: "phone",
  phonenumber: "phone",
  app: "app",
  appid: "app",
  firstname: "firstName",
  lastname: "lastName",
  surname: "lastName",
  postcode: "postcode",
  zip: "postcode",
  language: "language",
  birthyear: "birthYear",
  consentpersonalization: "consentPersonalization",
  consentlocation: "consentLocation",
  consentmarketing: "consentMarketing",
};

const normalise = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, "");

/** A stable event id from the row's content: importing the same file twice changes nothing. */
function rowEventId(kind: string, content: string): string {
  const h = createHash("sha256").update(kind).update("\0").update(content).digest("hex");
  // RFC 9562 §5.8 (UUIDv8, custom): version 8, variant 10
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The events one valid row becomes: who the person is (and their details), and their consent. */
export function rowEvents(row: CustomerCsvRow, raw: string, ts: number): EventEnvelope[] {
  const identities: Identity[] = [];
  if (row.loyalty) identities.push({ type: "loyalty", value: row.loyalty });
  if (row.app) identities.push({ type: "app", value: row.app });
  if (row.email) identities.push({ type: "email", value: row.email.toLowerCase() });
  if (row.phone) identities.push({ type: "phone", value: row.phone.replace(/[\s()-]/g, "") });
  const [identity, ...others] = identities;
  const base = {
    ts,
    source: { kind: "pos" as const, id: "customer-import" },
    identity: identity!,
    ...(others.length > 0 ? { identities: others } : {}),
  };
  const details: Record<string, unknown> = {};
  for (const key of ["firstName", "lastName", "postcode", "language"] as const)
    if (row[key]) details[key] = row[key];
  if (row.birthYear) details.birthYear = Number(row.birthYear);
  const events: EventEnvelope[] = [
    EventSchema.parse({ ...base, id: rowEventId("profile", raw), type: "profile.updated", data: details }),
  ];
  const consent: Record<string, boolean> = {};
  if (row.consentPersonalization !== undefined) consent.personalization = row.consentPersonalization;
  if (row.consentLocation !== undefined) consent.location = row.consentLocation;
  if (row.consentMarketing !== undefined) consent.marketing = row.consentMarketing;
  if (Object.keys(consent).length > 0)
    events.push(
      EventSchema.parse({
        ...base,
        id: rowEventId("consent", raw),
        type: "consent.updated",
        data: { consent },
      }),
    );
  return events;
}

/**
 * Imports customers from a CSV file (a CRM or POS export) through the store's ingest,
 * so identity resolution stitches them to what the venues already know. Every bad row
 * is reported with its line and the problem; the good rows are imported regardless.
 */
export async function importCustomers(
  store: Store,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? 250;
  const totalBytes = statSync(path).size;
  const report: ImportReport = { rows: 0, imported: 0, unchanged: 0, rejected: [], warnings: [] };
  const reader = new CsvReader();
  let header: (keyof typeof CustomerCsvRow.shape | null)[] | null = null;
  let batch: { events: EventEnvelope[] }[] = [];
  let bytesRead = 0;
  const ts = clock.now();

  const flush = async () => {
    if (batch.length === 0) return;
    const events = batch.flatMap((b) => b.events);
    const { results } = await store.ingest(events);
    let at = 0;
    for (const row of batch) {
      const outcomes = results.slice(at, at + row.events.length);
      at += row.events.length;
      if (outcomes.some((o) => o === "accepted")) report.imported++;
      else report.unchanged++;
    }
    batch = [];
  };

  const handle = async (line: number, fields: string[]) => {
    if (fields.length === 1 && fields[0]!.trim() === "") return; // blank line
    if (!header) {
      header = fields.map((f) => COLUMN_ALIASES[normalise(f)] ?? null);
      const unknown = fields.filter((_, i) => header![i] === null);
      if (!header.some((h) => h === "loyalty" || h === "email" || h === "phone" || h === "app"))
        throw new Error(
          `line 1: the header names no identity column; expected some of loyalty, email, phone, app (got ${fields.join(", ")})`,
        );
      if (unknown.length > 0)
        report.warnings.push(`line ${line}: ignored unknown columns: ${unknown.join(", ")}`);
      return;
    }
    report.rows++;
    if (fields.length !== header.length) {
      report.rejected.push({ line, message: `has ${fields.length} fields, the header has ${header.length}` });
      return;
    }
    const record: Record<string, string> = {};
    header.forEach((name, i) => {
      if (name) record[name] = fields[i]!;
    });
    const parsed = parseWith(CustomerCsvRow, record, `row`);
    if (!parsed.ok) {
      const problems = (parsed.error.details as { problems?: string[] } | undefined)?.problems ?? [
        parsed.error.message,
      ];
      report.rejected.push({ line, message: problems.join("; ") });
      return;
    }
    batch.push({ events: rowEvents(parsed.value, fields.join("\u001f"), ts) });
    if (batch.length >= batchSize) await flush();
  };

  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 256 * 1024 });
  let first = true;
  for await (const chunk of stream as AsyncIterable<string>) {
    bytesRead += Buffer.byteLength(chunk);
    // a UTF-8 byte-order mark (Excel writes one) is not part of the first column's name
    const text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
    for (const record of reader.push(text)) await handle(record.line, record.fields);
    options.onProgress?.({ bytesRead, totalBytes, rows: report.rows, rejected: report.rejected.length });
  }
  if (reader.inQuotes)
    report.rejected.push({
      line: -1,
      message: "the file ends inside a quoted field (a missing closing quote)",
    });
  for (const record of reader.end()) await handle(record.line, record.fields);
  await flush();
  options.onProgress?.({
    bytesRead: totalBytes,
    totalBytes,
    rows: report.rows,
    rejected: report.rejected.length,
  });
  return report;
}
