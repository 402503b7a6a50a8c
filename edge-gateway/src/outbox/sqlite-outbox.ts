import { mkdirSync } from "node:fs";
import { stat, statfs, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Clock, type EventEnvelope, ProximaError, systemClock } from "@proxima/shared";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import type { OutboxQueue, OutboxStats, PendingBatch } from "./port.js";
import { Connection, isFull, type Statement } from "./sqlite.js";

export interface SqliteOutboxOptions {
  /** the database file; its folder is created */
  path: string;
  clock?: Clock;
  logger?: Logger;
  /** quota for the database file (enforced with PRAGMA max_page_count); default 1 GiB */
  maxBytes?: number;
  /** when the quota is reached, events older than this many days are dropped (counted); default 7 */
  keepDays?: number;
  /** share of the quota above which every append logs a warning; default 0.8 */
  warnAt?: number;
  /**
   * disk space held in `<path>.reserve` and given back when the disk fills, so sent
   * events can still be acknowledged (SQLite may need room to checkpoint); default 8 MiB
   */
  reserveBytes?: number;
  /** registers outbox gauges here when given */
  registry?: Registry;
}

/** Appends coalesced into one transaction at most (bounds the time one commit holds the writer). */
const MAX_GROUP_ROWS = 20_000;
const DAY_MS = 86_400_000;

interface PendingAppend {
  kind: "append";
  rows: { ts: number; body: string }[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Any other write transaction (acknowledge, state): queued with the appends, so none starves. */
interface PendingWrite {
  kind: "write";
  run: () => Promise<void>;
}

/**
 * The gateway's outbox on SQLite (WAL). `append` resolves only after the transaction
 * holding its events is committed with `synchronous=FULL` (fsynced), so an event a kiosk
 * got a PUBACK for survives a power cut. Appends that arrive while a commit is in flight
 * are coalesced into the next transaction (group commit): one fsync serves them all.
 *
 * Full disk policy: the file has a quota (`max_page_count`); a real full disk reports the
 * same SQLITE_FULL. On it the outbox logs an error, drops events older than `keepDays`
 * (counted in `dropped`, persisted, logged with the count) and retries once; if that frees
 * nothing the append rejects with `storage_full` and nothing already committed is touched.
 * A real full disk could also stop the backlog from draining (acknowledging sent events
 * writes to the WAL, and checkpointing it may need to grow the file), so the outbox holds
 * a small reserve file and deletes it when the disk fills; it is taken again later.
 */
export class SqliteOutbox implements OutboxQueue {
  private pendingCount = 0;
  private dropped = 0;
  private lastSyncAt: number | null = null;
  private queue: (PendingAppend | PendingWrite)[] = [];
  private writing: Promise<void> | null = null;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly clock: Clock;
  private readonly keepDays: number;
  private readonly warnAt: number;
  private pageSize = 4096;
  private maxPages = 0;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private lastFillCheck = Number.NEGATIVE_INFINITY;
  private reserveHeld = false;
  private lastReserveAttempt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly writer: Connection,
    private readonly reader: Connection,
    private readonly insertGroup: Statement,
    private readonly options: SqliteOutboxOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.keepDays = options.keepDays ?? 7;
    this.warnAt = options.warnAt ?? 0.8;
  }

  static async open(options: SqliteOutboxOptions): Promise<SqliteOutbox> {
    mkdirSync(dirname(options.path), { recursive: true });
    const writer = await Connection.open(options.path);
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so a
    // committed append survives power loss (NORMAL would only survive a process crash).
    await writer.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA journal_size_limit = 67108864;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    const reader = await Connection.open(options.path);
    await reader.exec("PRAGMA busy_timeout = 5000;");
    // A whole group in one statement, bound as one JSON parameter: the statement is its
    // own transaction (all rows or none), so a commit is one trip to SQLite's thread.
    const insertGroup = await writer.prepare(
      "INSERT INTO events (ts, body) SELECT value->>0, value->>1 FROM json_each(?)",
    );
    const outbox = new SqliteOutbox(writer, reader, insertGroup, options);
    await outbox.load();
    await outbox.holdReserve();
    return outbox;
  }

  private async load(): Promise<void> {
    const page = await this.writer.get<{ page_size: number }>("PRAGMA page_size");
    this.pageSize = page?.page_size ?? 4096;
    this.maxPages = Math.max(16, Math.floor((this.options.maxBytes ?? 1024 ** 3) / this.pageSize));
    await this.writer.get(`PRAGMA max_page_count = ${this.maxPages}`);
    const count = await this.writer.get<{ n: number }>("SELECT count(*) AS n FROM events");
    this.pendingCount = count?.n ?? 0;
    this.dropped = Number((await this.readState("dropped")) ?? 0);
    const last = await this.readState("lastSyncAt");
    this.lastSyncAt = last === null ? null : Number(last);
    const registry = this.options.registry;
    if (registry) {
      const self = this;
      new Gauge({
        name: "proxima_gateway_outbox_pending",
        help: "events in the outbox waiting for the cloud",
        registers: [registry],
        collect() {
          this.set(self.pendingCount);
        },
      });
      new Gauge({
        name: "proxima_gateway_outbox_dropped",
        help: "events dropped by the outbox full-disk policy (keep the newest days)",
        registers: [registry],
        collect() {
          this.set(self.dropped);
        },
      });
      new Gauge({
        name: "proxima_gateway_outbox_last_sync_seconds",
        help: "unix time of the last batch the cloud acknowledged (0 = never)",
        registers: [registry],
        collect() {
          this.set((self.lastSyncAt ?? 0) / 1000);
        },
      });
    }
  }

  append(events: readonly EventEnvelope[]): Promise<void> {
    if (this.closed) return Promise.reject(new ProximaError("unavailable", "the outbox is closed"));
    if (events.length === 0) return Promise.resolve();
    const rows = events.map((event) => ({ ts: event.ts, body: JSON.stringify(event) }));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: "append", rows, resolve, reject });
      this.writing ??= this.drainQueue();
    });
  }

  /**
   * The writer loop, the only user of the writer connection: each turn either runs one
   * queued write or commits every append queued since the previous commit.
   */
  private async drainQueue(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Let the producers woken by the previous commit queue their next appends first:
        // without this turn the next group would hold only the first of them.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const head = this.queue[0]!;
        if (head.kind === "write") {
          this.queue.shift();
          await head.run();
          continue;
        }
        const group: PendingAppend[] = [];
        let rows = 0;
        while (rows < MAX_GROUP_ROWS && this.queue[0]?.kind === "append") {
          const next = this.queue.shift() as PendingAppend;
          group.push(next);
          rows += next.rows.length;
        }
        try {
          await this.commitGroup(group);
        } catch (error) {
          for (const append of group) append.reject(error as Error);
          continue;
        }
        this.pendingCount += rows;
        for (const append of group) append.resolve();
        for (const listener of this.listeners) listener();
        await this.warnWhenNearlyFull().catch(() => undefined);
      }
    } finally {
      this.writing = null;
    }
  }

  private async commitGroup(group: PendingAppend[]): Promise<void> {
    try {
      await this.insertInTransaction(group);
    } catch (error) {
      if (!isFull(error)) throw toProximaError(error);
      const quotaReached = await this.quotaReached(group);
      this.options.logger?.error(
        { quotaBytes: this.maxPages * this.pageSize, quotaReached, pending: this.pendingCount },
        quotaReached
          ? "outbox quota reached: dropping unsent events older than the retention window to make room"
          : "the gateway's disk is full: releasing the outbox reserve so the backlog can still drain",
      );
      // the reserve is for acknowledging sent events (a checkpoint may need to grow the
      // file), never for new events: appends are refused below unless old events went
      if (!quotaReached) await this.releaseReserve();
      const freed = await this.dropOlderThan(this.clock.now() - this.keepDays * DAY_MS).catch(() => 0);
      if (freed > 0) {
        try {
          await this.insertInTransaction(group);
          return;
        } catch (retry) {
          if (!isFull(retry)) throw toProximaError(retry);
        }
      }
      throw new ProximaError(
        "storage_full",
        `${quotaReached ? `the outbox quota (${this.maxPages * this.pageSize} bytes) is reached` : "the gateway's disk is full"}` +
          ` with ${this.pendingCount} events waiting and none older than ${this.keepDays} days to drop:` +
          " new events are refused until the cloud drains the backlog; " +
          (quotaReached
            ? "raise outbox.maxBytes or restore the link"
            : "free disk space or restore the link"),
        { pending: this.pendingCount, dropped: this.dropped, quotaReached },
      );
    }
  }

  /** Whether SQLITE_FULL came from the quota (the disk still has room for this group) or the disk. */
  private async quotaReached(group: PendingAppend[]): Promise<boolean> {
    let bytes = 0;
    for (const append of group) for (const row of append.rows) bytes += row.body.length;
    const fs = await statfs(dirname(this.options.path)).catch(() => null);
    if (fs === null) return true;
    return fs.bavail * fs.bsize > 2 * bytes + 1024 * 1024;
  }

  /** Disk space set aside at open, given back when the disk fills (see the class comment). */
  private reservePath(): string {
    return `${this.options.path}.reserve`;
  }

  private async holdReserve(): Promise<void> {
    const bytes = this.options.reserveBytes ?? 8 * 1024 * 1024;
    if (bytes <= 0) return;
    try {
      const existing = await stat(this.reservePath()).catch(() => null);
      if (existing?.size !== bytes) {
        // taken back only with room to spare: grabbing the last free bytes would stall the drain
        const fs = await statfs(dirname(this.options.path));
        if (fs.bavail * fs.bsize < 2 * bytes) {
          this.lastReserveAttempt = this.clock.now();
          return;
        }
        await writeFile(this.reservePath(), Buffer.alloc(bytes));
      }
      this.reserveHeld = true;
    } catch (error) {
      await unlink(this.reservePath()).catch(() => undefined);
      this.reserveHeld = false;
      this.options.logger?.warn(
        { err: (error as Error).message, reserveBytes: bytes },
        "cannot set aside the outbox reserve (disk full?)",
      );
    }
    this.lastReserveAttempt = this.clock.now();
  }

  private async releaseReserve(): Promise<void> {
    if (!this.reserveHeld) return;
    await unlink(this.reservePath()).catch(() => undefined);
    this.reserveHeld = false;
    this.lastReserveAttempt = this.clock.now();
  }

  /** One statement, so one transaction: on any error (SQLITE_FULL included) none of the group is stored. */
  private async insertInTransaction(group: PendingAppend[]): Promise<void> {
    const rows: [number, string][] = [];
    for (const append of group) for (const row of append.rows) rows.push([row.ts, row.body]);
    await this.insertGroup.run([JSON.stringify(rows)]);
  }

  /** The retention half of the full-disk policy; returns how many events it dropped. */
  private async dropOlderThan(cutoffTs: number): Promise<number> {
    await this.writer.run("BEGIN IMMEDIATE");
    try {
      const { changes } = await this.writer.run("DELETE FROM events WHERE ts < ?", [cutoffTs]);
      if (changes > 0)
        await this.writer.run(
          "INSERT INTO state (key, value) VALUES ('dropped', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [String(this.dropped + changes)],
        );
      await this.writer.run("COMMIT");
      if (changes > 0) {
        this.dropped += changes;
        this.pendingCount -= changes;
        this.options.logger?.error(
          { droppedNow: changes, droppedTotal: this.dropped, olderThan: new Date(cutoffTs).toISOString() },
          "outbox full: dropped unsent events older than the retention window",
        );
      }
      return changes;
    } catch (error) {
      await this.writer.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  /**
   * Logs (at most once a minute) when the file is past `warnAt` of its quota. The fill
   * level is read at most once a second: reading it costs two trips to SQLite's thread,
   * which at every commit were a third of the time a group of appends waited.
   */
  private async warnWhenNearlyFull(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastWarnAt < 60_000 || now - this.lastFillCheck < 1000) return;
    this.lastFillCheck = now;
    const pages = await this.writer.get<{ page_count: number }>("PRAGMA page_count");
    const free = await this.writer.get<{ freelist_count: number }>("PRAGMA freelist_count");
    const used = (pages?.page_count ?? 0) - (free?.freelist_count ?? 0);
    if (used / this.maxPages < this.warnAt) return;
    this.lastWarnAt = now;
    this.options.logger?.warn(
      {
        usedBytes: used * this.pageSize,
        quotaBytes: this.maxPages * this.pageSize,
        pending: this.pendingCount,
      },
      "outbox nearly full: the cloud is not draining it",
    );
  }

  /** Runs a write transaction in the writer loop, in turn with the appends. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ProximaError("unavailable", "the outbox is closed"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: "write", run: () => fn().then(resolve, reject) });
      this.writing ??= this.drainQueue();
    });
  }

  async nextBatch(afterSeq: number, maxEvents: number, maxBytes: number): Promise<PendingBatch | null> {
    const rows = await this.reader.all<{ seq: number; body: string }>(
      "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
      [afterSeq, maxEvents],
    );
    if (rows.length === 0) return null;
    const events: string[] = [];
    let bytes = 0;
    let lastSeq = rows[0]!.seq;
    for (const row of rows) {
      // always at least one event, even one larger than maxBytes
      if (events.length > 0 && bytes + row.body.length > maxBytes) break;
      events.push(row.body);
      bytes += row.body.length;
      lastSeq = row.seq;
    }
    return { firstSeq: rows[0]!.seq, lastSeq, events, bytes };
  }

  acknowledge(lastSeq: number, syncedAt: number): Promise<void> {
    return this.exclusive(async () => {
      await this.writer.run("BEGIN IMMEDIATE");
      try {
        const { changes } = await this.writer.run("DELETE FROM events WHERE seq <= ?", [lastSeq]);
        await this.writer.run(
          "INSERT INTO state (key, value) VALUES ('lastSyncAt', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [String(syncedAt)],
        );
        await this.writer.run("COMMIT");
        this.pendingCount -= changes;
        this.lastSyncAt = syncedAt;
        if (!this.reserveHeld && this.clock.now() - this.lastReserveAttempt > 10_000)
          await this.holdReserve();
      } catch (error) {
        await this.writer.run("ROLLBACK").catch(() => undefined);
        throw toProximaError(error);
      }
    });
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async readState(key: string): Promise<string | null> {
    const row = await this.reader.get<{ value: string }>("SELECT value FROM state WHERE key = ?", [key]);
    return row?.value ?? null;
  }

  writeState(key: string, value: string): Promise<void> {
    return this.exclusive(async () => {
      await this.writer
        .run(
          "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [key, value],
        )
        .catch((error) => {
          throw toProximaError(error);
        });
    });
  }

  async stats(): Promise<OutboxStats> {
    const oldest = await this.reader.get<{ ts: number }>("SELECT ts FROM events ORDER BY seq LIMIT 1");
    return {
      pending: this.pendingCount,
      oldestPendingTs: oldest?.ts ?? null,
      dropped: this.dropped,
      lastSyncAt: this.lastSyncAt,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    await this.insertGroup.finalize();
    await this.reader.close();
    await this.writer.close();
  }
}

function toProximaError(error: unknown): ProximaError {
  if (error instanceof ProximaError) return error;
  if (isFull(error))
    return new ProximaError("storage_full", `the outbox disk is full: ${(error as Error).message}`);
  return new ProximaError("unavailable", `outbox storage failed: ${(error as Error).message}`);
}

/** Reads an outbox file without opening it for writing: what `proxima-gateway status` shows. */
export async function readOutboxStats(path: string): Promise<OutboxStats> {
  const sqlite3 = (await import("sqlite3")).default;
  const db = await Connection.open(path, sqlite3.OPEN_READONLY);
  try {
    const count = await db.get<{ n: number }>("SELECT count(*) AS n FROM events");
    const oldest = await db.get<{ ts: number }>("SELECT ts FROM events ORDER BY seq LIMIT 1");
    const state = await db.all<{ key: string; value: string }>("SELECT key, value FROM state");
    const get = (key: string) => state.find((row) => row.key === key)?.value;
    const last = get("lastSyncAt");
    return {
      pending: count?.n ?? 0,
      oldestPendingTs: oldest?.ts ?? null,
      dropped: Number(get("dropped") ?? 0),
      lastSyncAt: last === undefined ? null : Number(last),
    };
  } finally {
    await db.close();
  }
}

/** Where a gateway keeps its outbox inside its data folder (`run` writes it, `status` reads it). */
export function outboxPath(dataDir: string): string {
  return join(dataDir, "outbox.db");
}
