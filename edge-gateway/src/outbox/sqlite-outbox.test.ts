import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventEnvelope, ManualClock, newId, ProximaError } from "@proxima/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readOutboxStats, SqliteOutbox } from "./sqlite-outbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "outbox-"));
  dirs.push(dir);
  return join(dir, "outbox.db");
}

function event(i: number, ts = 1_732_262_400_000 + i, kiosk = "kiosk-1"): EventEnvelope {
  return {
    id: newId(ts),
    ts,
    venueId: "store-042",
    source: { kind: "kiosk", id: kiosk },
    type: "pour.completed",
    identity: { type: "loyalty", value: `L-${i}` },
    data: { i },
  };
}

async function drainAll(outbox: SqliteOutbox): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  for (;;) {
    const batch = await outbox.nextBatch(0, 1000, 1 << 20);
    if (!batch) return out;
    out.push(...batch.events.map((e) => JSON.parse(e) as EventEnvelope));
    await outbox.acknowledge(batch.lastSeq, 1);
  }
}

describe("SqliteOutbox", () => {
  it("keeps concurrent appends, each in order, and coalesces them into few commits", async () => {
    const outbox = await SqliteOutbox.open({ path: tempPath() });
    const kiosks = ["kiosk-1", "kiosk-2", "kiosk-3"];
    await Promise.all(
      kiosks.flatMap((kiosk, k) =>
        Array.from({ length: 300 }, (_, i) => outbox.append([event(i, 1000 + i * 3 + k, kiosk)])),
      ),
    );
    expect((await outbox.stats()).pending).toBe(900);
    const all = await drainAll(outbox);
    expect(all).toHaveLength(900);
    for (const kiosk of kiosks) {
      const seen = all.filter((e) => e.source.id === kiosk).map((e) => e.data.i);
      expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
    expect((await outbox.stats()).pending).toBe(0);
    await outbox.close();
  });

  it("survives reopening: unsent events, lastSyncAt and state persist; acknowledged ones are gone", async () => {
    const path = tempPath();
    const first = await SqliteOutbox.open({ path });
    await first.append(Array.from({ length: 10 }, (_, i) => event(i)));
    const batch = await first.nextBatch(0, 4, 1 << 20);
    expect(batch?.events).toHaveLength(4);
    await first.acknowledge(batch!.lastSeq, 42);
    await first.writeState("cursor", "c-7");
    await first.close();

    const second = await SqliteOutbox.open({ path });
    expect(await second.stats()).toEqual({
      pending: 6,
      oldestPendingTs: event(4).ts,
      dropped: 0,
      lastSyncAt: 42,
    });
    expect(await second.readState("cursor")).toBe("c-7");
    const rest = await drainAll(second);
    expect(rest.map((e) => e.data.i)).toEqual([4, 5, 6, 7, 8, 9]);
    await second.close();
    expect(await readOutboxStats(path)).toMatchObject({ pending: 0, lastSyncAt: 1 });
  });

  it("bounds a batch by count and bytes but always sends at least one event", async () => {
    const outbox = await SqliteOutbox.open({ path: tempPath() });
    await outbox.append(Array.from({ length: 10 }, (_, i) => event(i)));
    const byCount = await outbox.nextBatch(0, 3, 1 << 20);
    expect(byCount?.events).toHaveLength(3);
    const one = byCount!.events[0]!.length;
    const byBytes = await outbox.nextBatch(0, 10, one * 2 + 1);
    expect(byBytes?.events).toHaveLength(2);
    const tiny = await outbox.nextBatch(0, 10, 1);
    expect(tiny?.events).toHaveLength(1);
    expect(await outbox.nextBatch(byCount!.lastSeq + 100, 10, 1 << 20)).toBeNull();
    await outbox.close();
  });

  it("when the quota is reached, drops only events older than the retention window and counts them", async () => {
    const now = 100 * 86_400_000;
    const clock = new ManualClock(now);
    const outbox = await SqliteOutbox.open({ path: tempPath(), clock, maxBytes: 256 * 1024, keepDays: 7 });
    const old = Array.from({ length: 200 }, (_, i) => ({
      ...event(i, now - 10 * 86_400_000 + i),
      data: { pad: "x".repeat(500) },
    }));
    for (let i = 0; i < old.length; i += 50) await outbox.append(old.slice(i, i + 50));
    // fresh events until the quota bites: the old ones make room, then storage_full
    let appended = 0;
    let failure: unknown = null;
    for (let i = 0; i < 2000 && failure === null; i++) {
      try {
        await outbox.append([{ ...event(10_000 + i, now - 1000 + i), data: { pad: "y".repeat(500) } }]);
        appended++;
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(ProximaError);
    expect((failure as ProximaError).code).toBe("storage_full");
    const stats = await outbox.stats();
    expect(stats.dropped).toBe(200);
    expect(stats.pending).toBe(appended);
    // everything acknowledged (appended) is still there, nothing fresh was dropped
    const left = await drainAll(outbox);
    expect(left).toHaveLength(appended);
    expect(left.every((e) => e.ts >= now - 1000)).toBe(true);
    // once drained, appends work again
    await outbox.append([event(99_999, now)]);
    await outbox.close();
  });

  it("warns when the file passes the warning share of its quota, checking at most once a second", async () => {
    const clock = new ManualClock(1_000_000);
    const warnings: unknown[] = [];
    const logger = { warn: (fields: unknown) => warnings.push(fields), error: () => undefined };
    const outbox = await SqliteOutbox.open({
      path: tempPath(),
      clock,
      maxBytes: 1024 * 1024,
      warnAt: 0.5,
      logger: logger as never,
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    const padded = (i: number) => ({ ...event(i, clock.now()), data: { pad: "z".repeat(2000) } });
    await outbox.append([padded(0)]); // checked: far below half
    for (let i = 1; i < 200; i++) await outbox.append([padded(i)]); // ~800 KB, same second: not checked
    expect(warnings).toHaveLength(0);
    await settle();
    expect(warnings).toHaveLength(0);
    clock.advance(1000);
    await outbox.append([padded(200)]); // checked after the append resolves
    await vi.waitFor(() => expect(warnings).toHaveLength(1));
    expect(warnings[0]).toMatchObject({ quotaBytes: 1024 * 1024, pending: 201 });
    clock.advance(1000);
    await outbox.append([padded(201)]); // still over, but warned less than a minute ago
    await settle();
    expect(warnings).toHaveLength(1);
    await outbox.close();
  });
});
