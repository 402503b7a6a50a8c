import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type EventEnvelope, ManualClock, newId } from "@proxima/shared";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { backoffDelay, parseRetryAfter } from "./backoff.js";
import { EventSync } from "./event-sync.js";

/**
 * The sync client against a real HTTP server on 127.0.0.1 that answers as scripted
 * (the cross-package tests in tests/ run it against the real cloud API).
 */
interface Received {
  encoding: string | undefined;
  auth: string | undefined;
  ids: string[];
}
type Script = (req: Received, res: ServerResponse) => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scriptedCloud(script: Script): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      const parsed = JSON.parse(body.toString()) as { events: EventEnvelope[] };
      const r = {
        encoding: req.headers["content-encoding"],
        auth: req.headers.authorization,
        ids: parsed.events.map((e) => e.id),
      };
      received.push(r);
      script(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function ok(r: Received, res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ accepted: r.ids.length, duplicates: 0, rejected: [] }));
}

async function openOutbox(): Promise<SqliteOutbox> {
  const dir = mkdtempSync(join(tmpdir(), "sync-"));
  const outbox = await SqliteOutbox.open({ path: join(dir, "outbox.db") });
  cleanups.push(async () => {
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return outbox;
}

function events(n: number, from = 0): EventEnvelope[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newId(1_732_262_400_000 + from + i),
    ts: 1_732_262_400_000 + from + i,
    venueId: "store-042",
    source: { kind: "gateway", id: "gw-a" },
    type: "presence.enter",
    identity: { type: "subject", value: "ibeacon:x" },
    data: { zone: "entrance" },
  }));
}

async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("backoff", () => {
  it("grows exponentially with jitter, caps, and treats Retry-After as a floor", () => {
    const policy = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(1, policy, () => 0, 7000)).toBe(7000);
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
  });
});

describe("EventSync", () => {
  it("sends gzip batches with the bearer token and removes events only after the answer", async () => {
    let release: (() => void) | null = null;
    const cloud = await scriptedCloud((r, res) => {
      release = () => ok(r, res);
    });
    const outbox = await openOutbox();
    const clock = new ManualClock(1000);
    const sync = new EventSync({ outbox, url: cloud.url, token: "pxs_t", clock, maxDelayMs: 100 });
    sync.start();
    await outbox.append(events(3));
    // the age bound: nothing goes before maxDelayMs
    await new Promise((r) => setTimeout(r, 30));
    expect(cloud.received).toHaveLength(0);
    clock.advance(100);
    await until(() => cloud.received.length === 1);
    expect(cloud.received[0]).toMatchObject({ encoding: "gzip", auth: "Bearer pxs_t" });
    expect(cloud.received[0]!.ids).toHaveLength(3);
    // in flight, not yet answered: still pending
    expect((await outbox.stats()).pending).toBe(3);
    release!();
    await until(async () => (await outbox.stats()).pending === 0);
    expect((await outbox.stats()).lastSyncAt).toBe(1100);
    await sync.stop();
  });

  it("retries the same events after a 503, waiting at least Retry-After", async () => {
    let calls = 0;
    const cloud = await scriptedCloud((r, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { "retry-after": "7" });
        res.end('{"error":{"code":"unavailable","message":"busy"}}');
      } else ok(r, res);
    });
    const outbox = await openOutbox();
    await outbox.append(events(5));
    const clock = new ManualClock(0);
    const sync = new EventSync({
      outbox,
      url: cloud.url,
      token: "pxs_t",
      clock,
      backoff: { initialMs: 10, maxMs: 100 },
      random: () => 0,
    });
    sync.start();
    await until(() => sync.status().consecutiveFailures === 1 && clock.pendingTimers > 0);
    clock.advance(6999);
    await new Promise((r) => setTimeout(r, 30));
    expect(cloud.received).toHaveLength(1);
    clock.advance(1);
    await until(() => cloud.received.length === 2);
    expect(cloud.received[1]!.ids).toEqual(cloud.received[0]!.ids);
    await until(async () => (await outbox.stats()).pending === 0);
    await sync.stop();
  });

  it("keeps everything when the cloud is unreachable, then drains in order when it returns", async () => {
    const outbox = await openOutbox();
    const queued = events(20);
    await outbox.append(queued);
    const clock = new ManualClock(0);
    const sync = new EventSync({
      outbox,
      url: "http://127.0.0.1:9", // discard port: connection refused
      token: "pxs_t",
      clock,
      backoff: { initialMs: 10, maxMs: 40 },
    });
    sync.start();
    await until(() => sync.status().consecutiveFailures >= 3 || clock.pendingTimers > 0);
    clock.advance(1000);
    await until(() => sync.status().consecutiveFailures >= 2);
    expect(sync.status().lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect((await outbox.stats()).pending).toBe(20);
    await sync.stop();

    const cloud = await scriptedCloud(ok);
    const again = new EventSync({ outbox, url: cloud.url, token: "pxs_t", maxBatchEvents: 8 });
    again.start();
    await until(async () => (await outbox.stats()).pending === 0);
    expect(cloud.received.flatMap((r) => r.ids)).toEqual(queued.map((e) => e.id));
    expect(cloud.received.map((r) => r.ids.length)).toEqual([8, 8, 4]);
    await again.stop();
  });
});
