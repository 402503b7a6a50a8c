/**
 * The ingest floor: the least work any implementation of `POST /v1/events` does with an
 * event on SQLite, written as cheaply as this machine allows, to run beside the real
 * cloud in the ingest benchmark. Per request: read the body (gunzipped if it says gzip),
 * decode it with the shared IngestRequest schema, validate each event with the shared
 * EventEnvelope (the contract's per-event validation), and
 * store the valid ones idempotently by id in the store's own `events` table (made by its
 * migrations; its id and timeline indexes are what dedup and the 360 view's timeline
 * read). The request text goes to SQLite as it came, converted once to SQLite's binary
 * JSON there, which each column then reads in place; requests that arrive while a
 * transaction runs are committed together in the next one. Of the ways tried, this cost
 * the least CPU an event: JSON text read with json_each (each column parsing the event
 * again) cost ~1–2 µs more, and multi-row `VALUES` with nine bound parameters an event
 * (columns taken from the parsed objects, bodies stringified) ~15 µs more.
 *
 * What it leaves out, and the cloud does: bearer tokens, body size limits, identity
 * resolution, traits, consent, the sync feed, analytics rollups, metrics and logs (it
 * listens on 127.0.0.1 only, for the benchmarks). It answers in the
 * contract's shape, so the gateway's own sync client can drain into it.
 *
 * Usage: ingest-floor.ts <sqlite path>; logs {"msg":"listening","url":…} when ready, as
 * the cloud does.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { SqlStore } from "@proxima/cloud-api";
import {
  decodeJson,
  describeIssues,
  EventEnvelope,
  IngestRequest,
  type IngestResponse,
} from "@proxima/shared";

const path = process.argv[2];
if (!path) throw new Error("usage: ingest-floor.ts <sqlite path>");
const store = await SqlStore.open(path);
const sql = store.sql;
const GROUP_EVENTS = 20_000;

const INSERT = `INSERT INTO events (id, ts, venue_id, type, source_kind, source_id, identity_key, body, received_at)
  SELECT value->>'id', value->>'ts', value->>'venueId', value->>'type', value->>'$.source.kind',
         value->>'$.source.id', (value->>'$.identity.type') || ':' || (value->>'$.identity.value'), json(value), $2
  FROM jsonb_each(jsonb($1), '$.events') WHERE true
  ON CONFLICT (id) DO NOTHING`;

interface Pending {
  text: string;
  events: number;
  done(accepted: number): void;
  fail(error: unknown): void;
}
const queue: Pending[] = [];
let writing = false;

async function write(): Promise<void> {
  if (writing) return;
  writing = true;
  try {
    while (queue.length > 0) {
      let size = 0;
      let take = 0;
      while (take < queue.length && (take === 0 || size + queue[take]!.events <= GROUP_EVENTS))
        size += queue[take++]!.events;
      const group = queue.splice(0, take);
      const now = Date.now();
      try {
        const counts = await sql.transaction(async (tx) => {
          const accepted: number[] = [];
          for (const request of group) {
            await tx.run(INSERT, [request.text, now]);
            accepted.push((await tx.all<{ n: number }>("SELECT changes() AS n"))[0]!.n);
          }
          return accepted;
        });
        group.forEach((request, i) => {
          request.done(counts[i]!);
        });
      } catch (error) {
        for (const request of group) request.fail(error);
      }
    }
  } finally {
    writing = false;
  }
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let text: string;
    try {
      const raw = Buffer.concat(chunks);
      text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString();
    } catch (error) {
      return answer(400, { error: { code: "bad_request", message: (error as Error).message } });
    }
    const request = decodeJson(IngestRequest, text, "ingest request");
    if (!request.ok) return answer(400, { error: request.error.toJSON() });
    const valid: unknown[] = [];
    const rejected: IngestResponse["rejected"] = [];
    request.value.events.forEach((event, index) => {
      const parsed = EventEnvelope.safeParse(event);
      if (parsed.success) valid.push(event);
      else rejected.push({ index, code: "bad_request", message: describeIssues(parsed.error).join("; ") });
    });
    if (rejected.length > 0) text = JSON.stringify({ events: valid });
    queue.push({
      text,
      events: valid.length,
      done: (accepted) => answer(200, { accepted, duplicates: valid.length - accepted, rejected }),
      fail: (error) => answer(500, { error: { code: "internal", message: (error as Error).message } }),
    });
    void write();
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ level: 30, msg: "listening", url: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => server.close(() => void store.close().then(() => process.exit(0))));
