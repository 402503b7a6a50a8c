import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SyncChange, SyncPage } from "@proxima/shared";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { CURSOR_KEY, DeltaPull } from "./delta-pull.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A cloud with a feed of `changes`, paged by numeric cursor, over a real socket. */
async function feed(changes: SyncChange[]): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "http://x");
    if (req.headers.authorization !== "Bearer pxs_t" || !url.pathname.startsWith("/v1/sync/store-042/")) {
      res.writeHead(401).end();
      return;
    }
    const from = Number(url.searchParams.get("cursor") ?? 0);
    const limit = Number(url.searchParams.get("limit"));
    const slice = changes.slice(from, from + limit);
    const page: SyncPage = {
      cursor: String(from + slice.length),
      hasMore: from + slice.length < changes.length,
      changes: slice,
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(page));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function openOutbox(): Promise<{ outbox: SqliteOutbox }> {
  const dir = mkdtempSync(join(tmpdir(), "pull-"));
  const outbox = await SqliteOutbox.open({ path: join(dir, "outbox.db") });
  cleanups.push(async () => {
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { outbox };
}

const changes: SyncChange[] = Array.from({ length: 7 }, (_, i) => ({ kind: "profile.delete", id: `c-${i}` }));

describe("DeltaPull", () => {
  it("pages through the feed, applies each page, and keeps the cursor across restarts", async () => {
    const cloud = await feed(changes);
    const { outbox } = await openOutbox();
    const applied: string[] = [];
    const pull = new DeltaPull({
      state: outbox,
      url: cloud.url,
      token: "pxs_t",
      venueId: "store-042",
      pageSize: 3,
      apply: (page) => {
        for (const change of page) if (change.kind === "profile.delete") applied.push(change.id);
      },
    });
    const caughtUp = pull.whenCaughtUp();
    pull.start();
    await caughtUp;
    await pull.stop();
    expect(applied).toEqual(changes.map((c) => (c.kind === "profile.delete" ? c.id : "")));
    expect(cloud.requests.map((r) => new URL(r, "http://x").searchParams.get("cursor"))).toEqual([
      null,
      "3",
      "6",
    ]);
    expect(await outbox.readState(CURSOR_KEY)).toBe("7");
  });

  it("does not advance the cursor when applying a page fails, so nothing is skipped", async () => {
    const cloud = await feed(changes);
    const { outbox } = await openOutbox();
    let calls = 0;
    const pull = new DeltaPull({
      state: outbox,
      url: cloud.url,
      token: "pxs_t",
      venueId: "store-042",
      pageSize: 5,
      apply: () => {
        calls++;
        if (calls === 2) throw new Error("disk hiccup");
      },
    });
    expect(await pull.pullPage()).toBe(true);
    expect(await outbox.readState(CURSOR_KEY)).toBe("5");
    await expect(pull.pullPage()).rejects.toThrow("disk hiccup");
    expect(await outbox.readState(CURSOR_KEY)).toBe("5");
    expect(await pull.pullPage()).toBe(false);
    expect(await outbox.readState(CURSOR_KEY)).toBe("7");
  });

  it("refuses a page that does not match the shared SyncPage schema", async () => {
    const server = createServer((_req, res) => res.end('{"cursor": 5, "changes": "nope"}'));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { outbox } = await openOutbox();
    const pull = new DeltaPull({
      state: outbox,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: "pxs_t",
      venueId: "store-042",
      apply: () => undefined,
    });
    await expect(pull.pullPage()).rejects.toThrow(/invalid sync page/);
    expect(await outbox.readState(CURSOR_KEY)).toBeNull();
  });
});
