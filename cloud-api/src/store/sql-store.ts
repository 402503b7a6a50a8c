import {
  type Campaign,
  type Catalogue,
  type Clock,
  CONSENT_PURPOSES,
  type ConsentPurpose,
  type Customer360,
  type EdgeProfile,
  type EventEnvelope,
  type Identity,
  newId,
  ProximaError,
  type Segment,
  type SyncChange,
  type SyncPage,
  systemClock,
} from "@proxima/shared";
import { type KnownIdentity, pairKey, resolve } from "../identity/resolve.js";
import { addStats, contributionOf, type ItemCount, type StatsDelta } from "../traits/contributions.js";
import { deriveTraits, lifecycleStage } from "../traits/derive.js";
import { bulkInsert, type Column, greatest, inList, least, listParam } from "./bulk.js";
import { LOCK, migrate, withMigrationLock } from "./migrations.js";
import {
  type AcceptedEvent,
  type CustomerExport,
  type ErasureReceipt,
  type IngestOutcome,
  type IngestResult,
  identityKey,
  type MergeRecord,
  type NewSource,
  type Projection,
  parseIdentityKey,
  type SourceRecord,
  type Store,
  type TimelinePage,
} from "./port.js";
import { openSql, type Sql } from "./sql.js";

export interface StoreOptions {
  clock?: Clock;
  /** PostgreSQL pool size */
  poolSize?: number;
}

/** PostgreSQL errors worth retrying the whole transaction for. */
const RETRYABLE = new Set(["40P01", "40001", "23505"]);
/** event types that change what a gateway's copy of the profile holds */
const EDGE_RELEVANT = new Set<string>([
  "pour.completed",
  "product.chosen",
  "purchase.completed",
  "consent.updated",
  "profile.updated",
  "identity.linked",
  "kiosk.identified",
]);
/** most events one group-commit transaction takes from the queue */
const MAX_GROUP_EVENTS = 20_000;
const DEFAULT_TIMELINE = 50;
const MAX_TIMELINE = 500;
/** identities read one by one for a timeline page; the rest (rare) in one query */
const MAX_TIMELINE_KEYS = 32;
const ALL_VENUES = "*";

interface ProfileAggregate {
  id: string;
  createdAt: number;
  identities: { key: string; shared: boolean; createdAt: number }[];
  stats: StatsDelta | null;
  statsByKey: Map<string, StatsDelta>;
  items: ItemCount[];
  visitDays: number[];
  consent: Record<ConsentPurpose, boolean>;
  consentTs: Partial<Record<ConsentPurpose, number>>;
  attributes: Record<string, unknown>;
  segments: string[];
}

interface StatsRow {
  key: string;
  events: number;
  first_ts: number;
  last_ts: number;
  purchases: number;
  revenue: number;
  cost: number;
  rating_sum: number;
  rating_count: number;
  pours: number;
  last_purchase_ts: number;
}

const statsOf = (r: StatsRow): StatsDelta => ({
  events: Number(r.events),
  firstTs: Number(r.first_ts),
  lastTs: Number(r.last_ts),
  purchases: Number(r.purchases),
  revenue: Number(r.revenue),
  cost: Number(r.cost),
  ratingSum: Number(r.rating_sum),
  ratingCount: Number(r.rating_count),
  pours: Number(r.pours),
  lastPurchaseTs: Number(r.last_purchase_ts),
});

/** identity_consent rows as bulkInsert writes them: one per identity and purpose */
const CONSENT_COLUMNS: readonly Column[] = [
  ["key", "text"],
  ["purpose", "text"],
  ["granted", "int2"],
  ["ts", "bigint"],
];

/** The one Store implementation, over the `Sql` port; dialect differences live in bulk.ts and migrations.ts. */
export class SqlStore implements Store {
  private readonly projections: Projection[] = [];
  private readonly clock: Clock;

  private constructor(
    readonly sql: Sql,
    options: StoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  static async open(url: string, options: StoreOptions = {}): Promise<SqlStore> {
    const sql = await openSql(url, { poolSize: options.poolSize });
    try {
      await migrate(sql);
    } catch (error) {
      await sql.close().catch(() => undefined);
      throw error;
    }
    return new SqlStore(sql, options);
  }

  get dialect() {
    return this.sql.dialect;
  }

  registerProjection(projection: Projection): void {
    this.projections.push(projection);
  }

  private timeZoneOf: (venueId: string | undefined) => string = () => "UTC";

  useCalendar(timeZoneOf: (venueId: string | undefined) => string): void {
    this.timeZoneOf = timeZoneOf;
  }

  /** Creates the tables of registered projections (call after registering, before serving). */
  async migrateProjections(): Promise<void> {
    await withMigrationLock(this.sql, async () => {
      for (const projection of this.projections) await projection.migrate?.(this.sql);
    });
  }

  async close(): Promise<void> {
    await this.sql.close();
  }

  ingestQueue(): { batches: number; events: number } {
    let events = 0;
    for (const queued of this.queue) events += queued.events.length;
    return { batches: this.queue.length, events };
  }

  /** For `/health`: the database answers, and how many ingest batches are waiting. */
  async ping(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.sql.all("SELECT 1 AS one");
      return { ok: true, detail: `${this.dialect}, ${this.queue.length} ingest batches queued` };
    } catch (error) {
      return { ok: false, detail: `${this.dialect} unreachable: ${(error as Error).message}` };
    }
  }

  /** Runs a transaction, retrying it when PostgreSQL reports a deadlock or serialization failure. */
  private async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.transaction(fn);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (this.sql.dialect !== "postgres" || !code || !RETRYABLE.has(code) || attempt >= 8) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  // ───────────────────────────── ingest ─────────────────────────────

  /**
   * Group commit: batches that arrive while a transaction runs are queued and then
   * stored together in one transaction (up to MAX_GROUP_EVENTS), each caller getting
   * its own results. Under load (many gateways posting at once) the pages a batch
   * touches and the commit itself are shared; with one caller it is one batch, one
   * transaction. If a group fails, its batches are retried one by one, so one bad
   * batch (a projection that throws) fails only its own caller.
   */
  async ingest(events: readonly EventEnvelope[]): Promise<IngestResult> {
    if (events.length === 0) return { results: [] };
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (this.writers < this.maxWriters) void this.drain();
    });
  }

  private readonly queue: {
    events: readonly EventEnvelope[];
    resolve(result: IngestResult): void;
    reject(error: unknown): void;
  }[] = [];
  private writers = 0;
  /** SQLite has one writer; PostgreSQL instances overlap two transactions */
  private get maxWriters() {
    return this.sql.dialect === "postgres" ? 2 : 1;
  }

  private async drain(): Promise<void> {
    this.writers++;
    try {
      while (this.queue.length > 0) {
        const group = [this.queue.shift()!];
        let size = group[0]!.events.length;
        while (this.queue.length > 0 && size + this.queue[0]!.events.length <= MAX_GROUP_EVENTS) {
          const next = this.queue.shift()!;
          size += next.events.length;
          group.push(next);
        }
        try {
          const all = group.length === 1 ? group[0]!.events : group.flatMap((g) => g.events);
          const { results } = await this.transaction((tx) => this.ingestIn(tx, all));
          let at = 0;
          for (const g of group) {
            g.resolve({ results: results.slice(at, at + g.events.length) });
            at += g.events.length;
          }
        } catch (error) {
          if (group.length === 1) group[0]!.reject(error);
          else
            for (const g of group)
              await this.transaction((tx) => this.ingestIn(tx, g.events)).then(g.resolve, g.reject);
        }
      }
    } finally {
      this.writers--;
    }
  }

  private async ingestIn(tx: Sql, events: readonly EventEnvelope[]): Promise<IngestResult> {
    const now = this.clock.now();
    // 1. Idempotency: the primary key on the event id decides, atomically, even with
    //    several instances inserting the same batch at once.
    const inserted = await bulkInsert<{ id: string }>(
      tx,
      "events",
      [
        ["id", "text"],
        ["ts", "bigint"],
        ["venue_id", "text"],
        ["type", "text"],
        ["source_kind", "text"],
        ["source_id", "text"],
        ["identity_key", "text"],
        ["body", "json"],
        ["received_at", "bigint"],
      ],
      events.map((e) => [
        e.id,
        e.ts,
        e.venueId ?? null,
        e.type,
        e.source.kind,
        e.source.id,
        identityKey(e.identity),
        e,
        now,
      ]),
      "ON CONFLICT (id) DO NOTHING",
      "id",
    );
    const fresh = new Set(inserted.map((r) => r.id));
    const results: IngestOutcome[] = [];
    const accepted: EventEnvelope[] = [];
    for (const e of events) {
      if (fresh.delete(e.id)) {
        results.push("accepted");
        accepted.push(e);
      } else results.push("duplicate");
    }
    if (accepted.length === 0) return { results };

    // 2. Identity resolution.
    const eventKeys = accepted.map((e) => [
      identityKey(e.identity),
      ...(e.identities ?? []).map(identityKey),
    ]);
    const plan = await this.resolveIdentities(tx, eventKeys, now);

    // Events filed under another identity than their primary (see ResolvePlan.eventOwners).
    const refiled = accepted
      .map((e, i) => ({ id: e.id, owner: plan.eventOwners[i]!, primary: eventKeys[i]![0]! }))
      .filter((r) => r.owner !== r.primary);
    for (const r of refiled)
      await tx.run("UPDATE events SET identity_key = $1 WHERE id = $2", [r.owner, r.id]);
    const links: string[][] = [];
    accepted.forEach((e, i) => {
      for (const key of new Set(eventKeys[i]!)) if (key !== plan.eventOwners[i]) links.push([key, e.id]);
    });
    await bulkInsert(
      tx,
      "event_links",
      [
        ["identity_key", "text"],
        ["event_id", "text"],
      ],
      links,
      "ON CONFLICT DO NOTHING",
    );

    // 3. Traits, consent and attributes, keyed by the identity each event is filed under.
    await this.applyContributions(tx, accepted, plan.eventOwners);

    // 4. Projections (analytics rollups, …) on the accepted events, same transaction.
    if (this.projections.length > 0) {
      const resolved: AcceptedEvent[] = accepted.map((event, i) => ({
        event,
        profileId: plan.eventProfiles[i]!,
      }));
      for (const projection of this.projections) await projection.apply(tx, resolved);
    }

    // 5. Sync feed, last: on PostgreSQL it takes the feed lock, held until commit.
    const touched = new Map<string, { venueId: string; kind: string; entityId: string; deleted: boolean }>();
    const touch = (venueId: string, profileId: string) =>
      touched.set(`${venueId}|${profileId}`, {
        venueId,
        kind: "profile",
        entityId: profileId,
        deleted: false,
      });
    // A venue hears about a profile the first time the person is active there, and
    // again whenever something its gateways use changes (favourites, recent products,
    // consent, identities, name); presence and offer impressions alone change nothing
    // they use, so they do not re-send the profile (lifecycle refreshes with the next
    // pour or purchase).
    const unseen = new Map<string, string>();
    accepted.forEach((e, i) => {
      if (e.venueId === undefined) return;
      const profileId = plan.eventProfiles[i]!;
      if (EDGE_RELEVANT.has(e.type) || plan.changedProfiles.has(profileId)) touch(e.venueId, profileId);
      else unseen.set(`${e.venueId}|${profileId}`, profileId);
    });
    for (const key of touched.keys()) unseen.delete(key);
    if (unseen.size > 0) {
      const known = await tx.all<{ venue_id: string; entity_id: string }>(
        `SELECT venue_id, entity_id FROM feed WHERE kind = 'profile' AND ${inList(tx, "entity_id", 1)}`,
        [listParam(tx, [...new Set(unseen.values())])],
      );
      for (const row of known) unseen.delete(`${row.venue_id}|${row.entity_id}`);
      for (const [key, profileId] of unseen) touch(key.slice(0, key.indexOf("|")), profileId);
    }
    const profileWide = new Set(plan.changedProfiles);
    accepted.forEach((e, i) => {
      if (e.type === "consent.updated" || e.type === "profile.updated")
        profileWide.add(plan.eventProfiles[i]!);
    });
    const losers = new Map(plan.merges.map((m) => [m.loserId, m.winnerId]));
    if (profileWide.size > 0) {
      const known = await tx.all<{ venue_id: string; entity_id: string }>(
        `SELECT venue_id, entity_id FROM feed WHERE kind = 'profile' AND ${inList(tx, "entity_id", 1)}`,
        [listParam(tx, [...profileWide])],
      );
      for (const row of known) {
        const winner = losers.get(row.entity_id);
        touched.set(`${row.venue_id}|${row.entity_id}`, {
          venueId: row.venue_id,
          kind: "profile",
          entityId: row.entity_id,
          deleted: winner !== undefined,
        });
        if (winner !== undefined)
          touched.set(`${row.venue_id}|${winner}`, {
            venueId: row.venue_id,
            kind: "profile",
            entityId: winner,
            deleted: false,
          });
      }
    }
    await this.touchFeed(tx, [...touched.values()]);
    return { results };
  }

  private async resolveIdentities(tx: Sql, eventKeys: string[][], now: number) {
    const allKeys = [...new Set(eventKeys.flat())];
    let known = await this.knownIdentities(tx, allKeys);
    const structural = () =>
      allKeys.some((k) => !known.has(k)) ||
      eventKeys.some((keys) => new Set(keys.map((k) => known.get(k)?.profileId)).size > 1);
    if (structural() && tx.dialect === "postgres") {
      // New identities or merges: one instance at a time restructures (batches whose
      // identities are all known — the steady state — never wait here). Re-read after
      // the lock: another instance may have created these identities meanwhile.
      await tx.run(`SELECT pg_advisory_xact_lock(${LOCK.identity})`);
      known = await this.knownIdentities(tx, allKeys);
    }
    const involved = new Set<string>();
    for (const keys of eventKeys) {
      if (keys.length < 2) continue;
      for (const k of keys) {
        const entry = known.get(k);
        if (entry) involved.add(entry.profileId);
      }
    }
    const profileKeys = new Map<string, string[]>();
    const blocked = new Set<string>();
    if (involved.size > 0) {
      const rows = await tx.all<{ key: string; profile_id: string }>(
        `SELECT key, profile_id FROM identities WHERE ${inList(tx, "profile_id", 1)}`,
        [listParam(tx, [...involved])],
      );
      for (const r of rows) {
        const list = profileKeys.get(r.profile_id) ?? [];
        list.push(r.key);
        profileKeys.set(r.profile_id, list);
      }
      const blocks = await tx.all<{ a: string; b: string }>(
        `SELECT a, b FROM merge_blocks WHERE ${inList(tx, "a", 1)} OR ${inList(tx, "b", 1)}`,
        [listParam(tx, [...involved])],
      );
      for (const b of blocks) blocked.add(pairKey(b.a, b.b));
    }
    const plan = resolve({ events: eventKeys, known, profileKeys, blocked, newProfileId: () => newId(now) });

    await bulkInsert(
      tx,
      "profiles",
      [
        ["id", "text"],
        ["created_at", "bigint"],
      ],
      plan.newProfiles.map((id) => [id, now]),
      "ON CONFLICT DO NOTHING",
    );
    await bulkInsert(
      tx,
      "identities",
      [
        ["key", "text"],
        ["type", "text"],
        ["value", "text"],
        ["profile_id", "text"],
        ["created_at", "bigint"],
        ["shared", "int2"],
      ],
      plan.newIdentities.map(({ key, profileId, shared }) => {
        const identity = parseIdentityKey(key);
        return [key, identity.type, identity.value, profileId, now, shared ? 1 : 0];
      }),
      "ON CONFLICT (key) DO NOTHING",
    );
    for (const merge of plan.merges)
      await this.applyMerge(
        tx,
        merge.winnerId,
        merge.loserId,
        merge.moved,
        "identities seen together in one event",
        now,
      );
    if (plan.shared.length > 0)
      await tx.run(`UPDATE identities SET shared = 1 WHERE ${inList(tx, "key", 1)}`, [
        listParam(tx, plan.shared),
      ]);
    return plan;
  }

  private async knownIdentities(tx: Sql, keys: string[]): Promise<Map<string, KnownIdentity>> {
    const rows = await tx.all<{ key: string; profile_id: string; shared: number }>(
      `SELECT key, profile_id, shared FROM identities WHERE ${inList(tx, "key", 1)}`,
      [listParam(tx, keys)],
    );
    return new Map(rows.map((r) => [r.key, { profileId: r.profile_id, shared: Number(r.shared) === 1 }]));
  }

  private async applyMerge(
    tx: Sql,
    winner: string,
    loser: string,
    moved: string[],
    reason: string,
    at: number,
  ) {
    await tx.run("UPDATE identities SET profile_id = $1 WHERE profile_id = $2", [winner, loser]);
    await tx.run("UPDATE profiles SET merged_into = $1 WHERE id = $2 OR merged_into = $2", [winner, loser]);
    await tx.run(
      "UPDATE segment_members SET profile_id = $1 WHERE profile_id = $2 AND segment_id NOT IN (SELECT segment_id FROM segment_members WHERE profile_id = $1)",
      [winner, loser],
    );
    await tx.run("DELETE FROM segment_members WHERE profile_id = $1", [loser]);
    const id = newId(at);
    await tx.run(
      "INSERT INTO merges (id, winner_id, loser_id, moved, reason, at) VALUES ($1, $2, $3, $4, $5, $6)",
      [id, winner, loser, JSON.stringify(moved), reason, at],
    );
    return id;
  }

  private async applyContributions(tx: Sql, events: readonly EventEnvelope[], owners: readonly string[]) {
    const stats = new Map<string, StatsDelta>();
    const items = new Map<string, ItemCount & { key: string }>();
    const days = new Map<string, [string, string, number]>();
    const consent = new Map<string, [string, string, number, number]>();
    const attributes = new Map<string, [string, string, string, number]>();
    events.forEach((event, i) => {
      const key = owners[i]!;
      const c = contributionOf(event, this.timeZoneOf(event.venueId));
      const s = stats.get(key);
      if (s) addStats(s, c.stats);
      else stats.set(key, { ...c.stats });
      for (const item of c.items) {
        const id = `${key}|${item.kind}|${item.item}`;
        const current = items.get(id);
        if (current) {
          current.count += item.count;
          current.lastTs = Math.max(current.lastTs, item.lastTs);
        } else items.set(id, { key, ...item });
      }
      if (c.visitDay)
        days.set(`${key}|${c.visitDay.venueId}|${c.visitDay.day}`, [key, c.visitDay.venueId, c.visitDay.day]);
      for (const k of c.consent) {
        const id = `${key}|${k.purpose}`;
        const current = consent.get(id);
        if (!current || current[3] <= k.ts) consent.set(id, [key, k.purpose, k.granted ? 1 : 0, k.ts]);
      }
      for (const a of c.attributes) {
        const id = `${key}|${a.name}`;
        const current = attributes.get(id);
        if (!current || current[3] <= a.ts) attributes.set(id, [key, a.name, JSON.stringify(a.value), a.ts]);
      }
    });
    // Sorted keys: concurrent batches lock rows in the same order (no deadlocks).
    const byKey = <T extends readonly unknown[]>(rows: T[]) =>
      rows.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    const s = "identity_stats";
    await bulkInsert(
      tx,
      s,
      [
        ["key", "text"],
        ["events", "bigint"],
        ["first_ts", "bigint"],
        ["last_ts", "bigint"],
        ["purchases", "bigint"],
        ["revenue", "float8"],
        ["cost", "float8"],
        ["rating_sum", "bigint"],
        ["rating_count", "bigint"],
        ["pours", "bigint"],
        ["last_purchase_ts", "bigint"],
      ],
      byKey(
        [...stats].map(([key, d]) => [
          key,
          d.events,
          d.firstTs,
          d.lastTs,
          d.purchases,
          d.revenue,
          d.cost,
          d.ratingSum,
          d.ratingCount,
          d.pours,
          d.lastPurchaseTs,
        ]),
      ),
      `ON CONFLICT (key) DO UPDATE SET events = ${s}.events + excluded.events,
        first_ts = ${least(tx, `${s}.first_ts`, "excluded.first_ts")},
        last_ts = ${greatest(tx, `${s}.last_ts`, "excluded.last_ts")},
        purchases = ${s}.purchases + excluded.purchases, revenue = ${s}.revenue + excluded.revenue,
        cost = ${s}.cost + excluded.cost, rating_sum = ${s}.rating_sum + excluded.rating_sum,
        rating_count = ${s}.rating_count + excluded.rating_count, pours = ${s}.pours + excluded.pours,
        last_purchase_ts = ${greatest(tx, `${s}.last_purchase_ts`, "excluded.last_purchase_ts")}`,
    );
    await bulkInsert(
      tx,
      "identity_items",
      [
        ["key", "text"],
        ["kind", "text"],
        ["item", "text"],
        ["count", "bigint"],
        ["last_ts", "bigint"],
      ],
      byKey([...items.values()].map((i) => [i.key, i.kind, i.item, i.count, i.lastTs])),
      `ON CONFLICT (key, kind, item) DO UPDATE SET count = identity_items.count + excluded.count,
        last_ts = ${greatest(tx, "identity_items.last_ts", "excluded.last_ts")}`,
    );
    await bulkInsert(
      tx,
      "identity_days",
      [
        ["key", "text"],
        ["venue_id", "text"],
        ["day", "bigint"],
      ],
      byKey([...days.values()]),
      "ON CONFLICT DO NOTHING",
    );
    await bulkInsert(
      tx,
      "identity_consent",
      CONSENT_COLUMNS,
      byKey([...consent.values()]),
      `ON CONFLICT (key, purpose) DO UPDATE SET granted = excluded.granted, ts = excluded.ts
        WHERE excluded.ts >= identity_consent.ts`,
    );
    await bulkInsert(
      tx,
      "identity_attributes",
      [
        ["key", "text"],
        ["name", "text"],
        ["value", "text"],
        ["ts", "bigint"],
      ],
      byKey([...attributes.values()]),
      `ON CONFLICT (key, name) DO UPDATE SET value = excluded.value, ts = excluded.ts
        WHERE excluded.ts >= identity_attributes.ts`,
    );
  }

  /**
   * Moves feed rows to fresh sequence numbers. On PostgreSQL the numbers are taken
   * under a transaction-scoped advisory lock, so they become visible in commit order:
   * a reader that has seen sequence N will never later find a new row below N.
   */
  private async touchFeed(
    tx: Sql,
    rows: { venueId: string; kind: string; entityId: string; deleted: boolean }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    rows.sort((a, b) => (a.venueId + a.entityId < b.venueId + b.entityId ? -1 : 1));
    if (tx.dialect === "postgres") {
      await tx.run(`SELECT pg_advisory_xact_lock(${LOCK.feed})`);
      await tx.run(
        `INSERT INTO feed (venue_id, kind, entity_id, seq, deleted)
         SELECT v, k, e, nextval('feed_seq'), d FROM unnest($1::text[], $2::text[], $3::text[], $4::int2[]) AS t(v, k, e, d)
         ON CONFLICT (kind, entity_id, venue_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted`,
        [
          rows.map((r) => r.venueId),
          rows.map((r) => r.kind),
          rows.map((r) => r.entityId),
          rows.map((r) => (r.deleted ? 1 : 0)),
        ],
      );
      return;
    }
    const [counter] = await tx.all<{ seq: number }>(
      "UPDATE feed_counter SET seq = seq + $1 WHERE id = 1 RETURNING seq",
      [rows.length],
    );
    const first = Number(counter!.seq) - rows.length + 1;
    await bulkInsert(
      tx,
      "feed",
      [
        ["venue_id", "text"],
        ["kind", "text"],
        ["entity_id", "text"],
        ["seq", "bigint"],
        ["deleted", "int2"],
      ],
      rows.map((r, i) => [r.venueId, r.kind, r.entityId, first + i, r.deleted ? 1 : 0]),
      "ON CONFLICT (kind, entity_id, venue_id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted",
    );
  }

  // ───────────────────────────── sources ─────────────────────────────

  async createSource(source: NewSource): Promise<SourceRecord> {
    try {
      // a revoked source may be issued a new token under the same id (token rotation)
      const written = await this.sql.all<{ id: string }>(
        `INSERT INTO sources (id, kind, name, token_hash, venue_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, token_hash = excluded.token_hash,
           venue_id = excluded.venue_id, created_at = excluded.created_at, revoked_at = NULL
         WHERE sources.revoked_at IS NOT NULL
         RETURNING id`,
        [source.id, source.kind, source.name, source.tokenHash, source.venueId ?? null, source.createdAt],
      );
      if (written.length === 0) throw new Error("unique constraint: live source");
    } catch (error) {
      if (/unique|constraint/i.test((error as Error).message))
        throw new ProximaError(
          "conflict",
          `a source "${source.id}" already exists; revoke it first or choose another id`,
        );
      throw error;
    }
    return { ...source, venueId: source.venueId ?? null, revokedAt: null };
  }

  async findSourceByTokenHash(tokenHash: string): Promise<SourceRecord | null> {
    const [row] = await this.sql.all<SourceRow>("SELECT * FROM sources WHERE token_hash = $1", [tokenHash]);
    return row ? sourceOf(row) : null;
  }

  async revokeSource(id: string, at: number): Promise<boolean> {
    const rows = await this.sql.all<{ id: string }>(
      "UPDATE sources SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id",
      [at, id],
    );
    return rows.length > 0;
  }

  async listSources(): Promise<SourceRecord[]> {
    return (await this.sql.all<SourceRow>("SELECT * FROM sources ORDER BY created_at, id")).map(sourceOf);
  }

  // ───────────────────────────── sync feed ─────────────────────────────

  async changesSince(venueId: string, cursor: string | null, limit: number): Promise<SyncPage> {
    const after = parseCursor(cursor);
    const rows = await this.sql.all<{
      venue_id: string;
      kind: string;
      entity_id: string;
      seq: number;
      deleted: number;
    }>(
      `SELECT * FROM (
         SELECT * FROM (SELECT venue_id, kind, entity_id, seq, deleted FROM feed WHERE venue_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) AS mine
         UNION ALL
         SELECT * FROM (SELECT venue_id, kind, entity_id, seq, deleted FROM feed WHERE venue_id = $4 AND seq > $2 ORDER BY seq LIMIT $3) AS everyone
       ) AS page ORDER BY seq LIMIT $3`,
      [venueId, after, limit + 1, ALL_VENUES],
    );
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = last ? String(Number(last.seq)) : String(after);

    const profileIds = page
      .filter((r) => r.kind === "profile" && Number(r.deleted) === 0)
      .map((r) => r.entity_id);
    const edge = await this.edgeProfiles(profileIds);
    const segmentIds = page.filter((r) => r.kind === "segment").map((r) => r.entity_id);
    const campaignIds = page
      .filter((r) => r.kind === "campaign" && Number(r.deleted) === 0)
      .map((r) => r.entity_id);
    const segments = await this.bodies<Segment>("segments", "id", segmentIds);
    const campaigns = await this.bodies<Campaign>("campaigns", "id", campaignIds);
    const ownCatalogue = await this.sql.all<{ venue_id: string }>(
      "SELECT venue_id FROM catalogues WHERE venue_id = $1",
      [venueId],
    );

    const changes: SyncChange[] = [];
    const emitted = new Set<string>();
    for (const row of page) {
      switch (row.kind) {
        case "profile": {
          const profile = Number(row.deleted) === 0 ? edge.get(row.entity_id) : undefined;
          if (profile) changes.push({ kind: "profile.upsert", profile });
          else changes.push({ kind: "profile.delete", id: row.entity_id });
          emitted.add(row.entity_id);
          break;
        }
        case "segment": {
          const segment = segments.get(row.entity_id);
          if (segment) changes.push({ kind: "segment.upsert", segment });
          break;
        }
        case "campaign": {
          const campaign = campaigns.get(row.entity_id);
          if (campaign) changes.push({ kind: "campaign.upsert", campaign });
          else changes.push({ kind: "campaign.delete", id: row.entity_id });
          break;
        }
        case "catalogue": {
          // a venue with its own catalogue ignores the default
          if (row.venue_id === ALL_VENUES && ownCatalogue.length > 0) break;
          const [cat] = await this.sql.all<{ body: string }>(
            "SELECT body FROM catalogues WHERE venue_id = $1",
            [row.entity_id],
          );
          if (cat) changes.push({ kind: "catalogue.replace", catalogue: JSON.parse(cat.body) as Catalogue });
          break;
        }
      }
    }
    return { cursor: nextCursor, hasMore, changes };
  }

  private async bodies<T>(table: string, column: string, ids: string[]): Promise<Map<string, T>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.all<{ id: string; body: string }>(
      `SELECT ${column} AS id, body FROM ${table} WHERE ${inList(this.sql, column, 1)}`,
      [listParam(this.sql, ids)],
    );
    return new Map(rows.map((r) => [r.id, JSON.parse(r.body) as T]));
  }

  async upsertSegment(segment: Segment): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.run(
        "INSERT INTO segments (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        [segment.id, JSON.stringify(segment)],
      );
      await this.touchFeed(tx, [
        { venueId: ALL_VENUES, kind: "segment", entityId: segment.id, deleted: false },
      ]);
    });
  }

  async upsertCampaign(campaign: Campaign): Promise<void> {
    const venues = campaign.audience.venues?.length ? campaign.audience.venues : [ALL_VENUES];
    await this.transaction(async (tx) => {
      const [previous] = await tx.all<{ venues: string }>("SELECT venues FROM campaigns WHERE id = $1", [
        campaign.id,
      ]);
      await tx.run(
        `INSERT INTO campaigns (id, body, venues) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, venues = excluded.venues`,
        [campaign.id, JSON.stringify(campaign), JSON.stringify(venues)],
      );
      const dropped = previous
        ? (JSON.parse(previous.venues) as string[]).filter((v) => !venues.includes(v))
        : [];
      await this.touchFeed(tx, [
        ...venues.map((venueId) => ({ venueId, kind: "campaign", entityId: campaign.id, deleted: false })),
        ...dropped.map((venueId) => ({ venueId, kind: "campaign", entityId: campaign.id, deleted: true })),
      ]);
    });
  }

  async deleteCampaign(id: string): Promise<void> {
    await this.transaction(async (tx) => {
      const [previous] = await tx.all<{ venues: string }>("SELECT venues FROM campaigns WHERE id = $1", [id]);
      if (!previous) return;
      await tx.run("DELETE FROM campaigns WHERE id = $1", [id]);
      await this.touchFeed(
        tx,
        (JSON.parse(previous.venues) as string[]).map((venueId) => ({
          venueId,
          kind: "campaign",
          entityId: id,
          deleted: true,
        })),
      );
    });
  }

  async replaceCatalogue(catalogue: Catalogue, venueId?: string): Promise<void> {
    const venue = venueId ?? ALL_VENUES;
    await this.transaction(async (tx) => {
      await tx.run(
        "INSERT INTO catalogues (venue_id, body) VALUES ($1, $2) ON CONFLICT (venue_id) DO UPDATE SET body = excluded.body",
        [venue, JSON.stringify(catalogue)],
      );
      await this.touchFeed(tx, [{ venueId: venue, kind: "catalogue", entityId: venue, deleted: false }]);
    });
  }

  async setSegmentMembers(segmentId: string, profileIds: readonly string[]): Promise<void> {
    await this.transaction(async (tx) => {
      const before = await tx.all<{ profile_id: string }>(
        "SELECT profile_id FROM segment_members WHERE segment_id = $1",
        [segmentId],
      );
      await tx.run("DELETE FROM segment_members WHERE segment_id = $1", [segmentId]);
      await bulkInsert(
        tx,
        "segment_members",
        [
          ["segment_id", "text"],
          ["profile_id", "text"],
        ],
        [...new Set(profileIds)].map((p) => [segmentId, p]),
        "ON CONFLICT DO NOTHING",
      );
      const changed = new Set([...before.map((r) => r.profile_id), ...profileIds]);
      await this.refreshProfilesInFeed(tx, [...changed]);
    });
  }

  /** Every venue that knows these profiles gets their new state. */
  private async refreshProfilesInFeed(tx: Sql, profileIds: string[], deleted = false) {
    if (profileIds.length === 0) return 0;
    const rows = await tx.all<{ venue_id: string; entity_id: string }>(
      `SELECT venue_id, entity_id FROM feed WHERE kind = 'profile' AND ${inList(tx, "entity_id", 1)}`,
      [listParam(tx, profileIds)],
    );
    await this.touchFeed(
      tx,
      rows.map((r) => ({ venueId: r.venue_id, kind: "profile", entityId: r.entity_id, deleted })),
    );
    return new Set(rows.map((r) => r.venue_id)).size;
  }

  // ───────────────────────────── customers ─────────────────────────────

  /** Follows `merged_into` to the live profile; null if the id was never a profile or is erased. */
  private async liveProfileId(sql: Sql, id: string): Promise<string | null> {
    let current = id;
    for (let hop = 0; hop < 8; hop++) {
      const [row] = await sql.all<{ merged_into: string | null }>(
        "SELECT merged_into FROM profiles WHERE id = $1",
        [current],
      );
      if (!row) return null;
      if (!row.merged_into) return current;
      current = row.merged_into;
    }
    return current;
  }

  async venuesOf(id: string): Promise<string[]> {
    const live = await this.liveProfileId(this.sql, id);
    if (!live) return [];
    // a venue's feed holds a profile from the person's first activity there on
    const rows = await this.sql.all<{ venue_id: string }>(
      "SELECT venue_id FROM feed WHERE kind = 'profile' AND entity_id = $1 AND deleted = 0 AND venue_id <> $2",
      [live, ALL_VENUES],
    );
    return rows.map((r) => r.venue_id);
  }

  async findProfileId(identity: Identity): Promise<string | null> {
    const [row] = await this.sql.all<{ profile_id: string }>(
      "SELECT profile_id FROM identities WHERE key = $1",
      [identityKey(identity)],
    );
    return row ? this.liveProfileId(this.sql, row.profile_id) : null;
  }

  /** Everything the 360 view and the edge copy are made of, for many profiles in a fixed number of queries. */
  private async aggregates(sql: Sql, ids: string[]): Promise<Map<string, ProfileAggregate>> {
    const out = new Map<string, ProfileAggregate>();
    if (ids.length === 0) return out;
    const profiles = await sql.all<{ id: string; created_at: number }>(
      `SELECT id, created_at FROM profiles WHERE merged_into IS NULL AND ${inList(sql, "id", 1)}`,
      [listParam(sql, ids)],
    );
    for (const p of profiles)
      out.set(p.id, {
        id: p.id,
        createdAt: Number(p.created_at),
        identities: [],
        stats: null,
        statsByKey: new Map(),
        items: [],
        visitDays: [],
        consent: { personalization: false, location: false, marketing: false },
        consentTs: {},
        attributes: {},
        segments: [],
      });
    if (out.size === 0) return out;
    const live = listParam(sql, [...out.keys()]);
    const identities = await sql.all<{ key: string; profile_id: string; shared: number; created_at: number }>(
      `SELECT key, profile_id, shared, created_at FROM identities WHERE ${inList(sql, "profile_id", 1)} ORDER BY created_at, key`,
      [live],
    );
    const owner = new Map<string, ProfileAggregate>();
    for (const r of identities) {
      const agg = out.get(r.profile_id)!;
      agg.identities.push({ key: r.key, shared: Number(r.shared) === 1, createdAt: Number(r.created_at) });
      owner.set(r.key, agg);
    }
    const keys = listParam(sql, [...owner.keys()]);
    // One round trip for the four small per-identity tables (a uniform row shape), so
    // the 360 view costs six queries whatever the number of identities.
    const [stats, detail, segments] = await Promise.all([
      sql.all<StatsRow>(`SELECT * FROM identity_stats WHERE ${inList(sql, "key", 1)}`, [keys]),
      sql.all<{ src: string; key: string; s1: string; s2: string | null; n1: number; n2: number }>(
        `SELECT 'i' AS src, key, kind AS s1, item AS s2, count AS n1, last_ts AS n2 FROM identity_items WHERE ${inList(sql, "key", 1)}
         UNION ALL SELECT 'd', key, venue_id, NULL, day, 0 FROM identity_days WHERE ${inList(sql, "key", 1)}
         UNION ALL SELECT 'c', key, purpose, NULL, granted, ts FROM identity_consent WHERE ${inList(sql, "key", 1)}
         UNION ALL SELECT 'a', key, name, value, ts, 0 FROM identity_attributes WHERE ${inList(sql, "key", 1)}`,
        [keys],
      ),
      sql.all<{ segment_id: string; profile_id: string }>(
        `SELECT segment_id, profile_id FROM segment_members WHERE ${inList(sql, "profile_id", 1)} ORDER BY segment_id`,
        [live],
      ),
    ]);
    const items: { key: string; kind: string; item: string; count: number; last_ts: number }[] = [];
    const days: { key: string; day: number }[] = [];
    const consent: { key: string; purpose: string; granted: number; ts: number }[] = [];
    const attributes: { key: string; name: string; value: string; ts: number }[] = [];
    for (const r of detail) {
      if (r.src === "i")
        items.push({ key: r.key, kind: r.s1, item: r.s2 ?? "", count: Number(r.n1), last_ts: Number(r.n2) });
      else if (r.src === "d") days.push({ key: r.key, day: Number(r.n1) });
      else if (r.src === "c")
        consent.push({ key: r.key, purpose: r.s1, granted: Number(r.n1), ts: Number(r.n2) });
      else attributes.push({ key: r.key, name: r.s1, value: r.s2 ?? "null", ts: Number(r.n1) });
    }
    for (const r of stats) {
      const agg = owner.get(r.key)!;
      const s = statsOf(r);
      agg.statsByKey.set(r.key, s);
      if (agg.stats) addStats(agg.stats, s);
      else agg.stats = { ...s };
    }
    const itemMaps = new Map<ProfileAggregate, Map<string, ItemCount>>();
    for (const r of items) {
      const agg = owner.get(r.key)!;
      const map = itemMaps.get(agg) ?? new Map<string, ItemCount>();
      itemMaps.set(agg, map);
      const id = `${r.kind}|${r.item}`;
      const current = map.get(id);
      if (current) {
        current.count += Number(r.count);
        current.lastTs = Math.max(current.lastTs, Number(r.last_ts));
      } else
        map.set(id, {
          kind: r.kind as ItemCount["kind"],
          item: r.item,
          count: Number(r.count),
          lastTs: Number(r.last_ts),
        });
    }
    for (const [agg, map] of itemMaps) agg.items = [...map.values()];
    const daySets = new Map<ProfileAggregate, Set<number>>();
    for (const r of days) {
      const agg = owner.get(r.key)!;
      const set = daySets.get(agg) ?? new Set<number>();
      daySets.set(agg, set);
      set.add(Number(r.day));
    }
    for (const [agg, set] of daySets) agg.visitDays = [...set].sort((a, b) => a - b);
    for (const r of consent) {
      const agg = owner.get(r.key)!;
      const purpose = r.purpose as ConsentPurpose;
      if (!CONSENT_PURPOSES.includes(purpose)) continue;
      // latest decision across the person's identities wins
      if ((agg.consentTs[purpose] ?? -1) <= Number(r.ts)) {
        agg.consentTs[purpose] = Number(r.ts);
        agg.consent[purpose] = Number(r.granted) === 1;
      }
    }
    const attributeTs = new Map<string, number>();
    for (const r of attributes) {
      const agg = owner.get(r.key)!;
      const id = `${agg.id}|${r.name}`;
      if ((attributeTs.get(id) ?? -1) <= Number(r.ts)) {
        attributeTs.set(id, Number(r.ts));
        agg.attributes[r.name] = JSON.parse(r.value);
      }
    }
    for (const r of segments) out.get(r.profile_id)?.segments.push(r.segment_id);
    return out;
  }

  /**
   * The edge copy of each profile, with consent honoured before anything leaves the
   * cloud: without `personalization` no name, favourites or recent products; without
   * `location` no beacon subjects (a gateway could otherwise follow the person around
   * the venue). Shared identities never go (they would greet the wrong person). A
   * profile with nothing a gateway can recognise it by is sent as a delete.
   */
  private async edgeProfiles(ids: string[]): Promise<Map<string, EdgeProfile>> {
    const aggregates = await this.aggregates(this.sql, ids);
    const now = this.clock.now();
    const out = new Map<string, EdgeProfile>();
    for (const agg of aggregates.values()) {
      const personalization = agg.consent.personalization;
      const identities = agg.identities
        .filter((i) => !i.shared)
        .map((i) => parseIdentityKey(i.key))
        .filter(
          (i) => i.type === "loyalty" || i.type === "app" || (i.type === "subject" && agg.consent.location),
        );
      if (identities.length === 0) continue;
      const inputs = {
        stats: agg.stats,
        items: agg.items,
        visitDays: agg.visitDays,
        identified: isIdentified(agg),
      };
      const products = agg.items.filter((i) => i.kind === "product");
      const profile: EdgeProfile = {
        id: agg.id,
        identities,
        consent: { ...agg.consent },
        segments: agg.segments,
        favourites: personalization
          ? [...products]
              .sort((a, b) => b.count - a.count || b.lastTs - a.lastTs)
              .slice(0, 5)
              .map((i) => i.item)
          : [],
        recent: personalization
          ? [...products]
              .sort((a, b) => b.lastTs - a.lastTs)
              .slice(0, 5)
              .map((i) => ({ productId: i.item, ts: i.lastTs }))
          : [],
        lifecycleStage: lifecycleStage(inputs, now),
        updatedAt: Math.max(agg.createdAt, agg.stats?.lastTs ?? 0),
      };
      const firstName = agg.attributes.firstName;
      if (personalization && typeof firstName === "string") profile.firstName = firstName.slice(0, 64);
      out.set(agg.id, profile);
    }
    return out;
  }

  async getCustomer(id: string, page: TimelinePage = {}): Promise<Customer360 | null> {
    // the common case is a live id: follow merges only when it is not
    let agg = (await this.aggregates(this.sql, [id])).get(id);
    if (!agg) {
      const live = await this.liveProfileId(this.sql, id);
      if (!live || live === id) return null;
      agg = (await this.aggregates(this.sql, [live])).get(live);
    }
    if (!agg) return null;
    const timeline = await this.timelineOf(
      this.sql,
      agg.identities.map((i) => i.key),
      page,
    );
    return this.customerView(agg, timeline);
  }

  private customerView(agg: ProfileAggregate, timeline: Customer360["timeline"]): Customer360 {
    const now = this.clock.now();
    const traits = deriveTraits(
      { stats: agg.stats, items: agg.items, visitDays: agg.visitDays, identified: isIdentified(agg) },
      now,
    );
    return {
      id: agg.id,
      createdAt: agg.createdAt,
      updatedAt: Math.max(agg.createdAt, agg.stats?.lastTs ?? 0),
      profile: agg.attributes,
      identities: agg.identities.map((i) => {
        const s = agg.statsByKey.get(i.key);
        const identity = parseIdentityKey(i.key);
        return {
          type: identity.type,
          value: identity.value,
          firstSeen: s?.firstTs ?? i.createdAt,
          lastSeen: s?.lastTs ?? i.createdAt,
          ...(i.shared ? { shared: true } : {}),
        };
      }),
      consent: agg.consent,
      traits,
      segments: agg.segments,
      timeline,
    };
  }

  async timeline(id: string, page: TimelinePage): Promise<Customer360["timeline"] | null> {
    const live = await this.liveProfileId(this.sql, id);
    if (!live) return null;
    const keys = await this.sql.all<{ key: string }>("SELECT key FROM identities WHERE profile_id = $1", [
      live,
    ]);
    return this.timelineOf(
      this.sql,
      keys.map((k) => k.key),
      page,
    );
  }

  /**
   * A page of the timeline, newest first. Each identity's events are read newest first
   * from the timeline index, at most a page of them, and the pages merged: one query
   * over all the keys would sort every event the person ever had before taking a page
   * (tens of milliseconds for someone with 100,000 presence events).
   */
  private async timelineOf(sql: Sql, keys: string[], page: TimelinePage): Promise<Customer360["timeline"]> {
    const limit = Math.min(MAX_TIMELINE, Math.max(1, page.limit ?? DEFAULT_TIMELINE));
    if (keys.length === 0) return { items: [], nextCursor: null };
    const cursor = page.cursor ? parseTimelineCursor(page.cursor) : null;
    const params: unknown[] = [limit + 1];
    let after = "";
    if (cursor) {
      params.push(cursor.ts, cursor.id);
      after = " AND (ts < $2 OR (ts = $2 AND id < $3))";
    }
    const perKey = keys.slice(0, MAX_TIMELINE_KEYS).map((key) => {
      params.push(key);
      return `SELECT * FROM (SELECT id, ts, body FROM events WHERE identity_key = $${params.length}${after}
        ORDER BY ts DESC, id DESC LIMIT $1) AS k${params.length}`;
    });
    if (keys.length > MAX_TIMELINE_KEYS) {
      params.push(listParam(sql, keys.slice(MAX_TIMELINE_KEYS)));
      perKey.push(
        `SELECT * FROM (SELECT id, ts, body FROM events WHERE ${inList(sql, "identity_key", params.length)}${after}
          ORDER BY ts DESC, id DESC LIMIT $1) AS rest`,
      );
    }
    const rows = await sql.all<{ id: string; ts: number; body: string }>(
      `SELECT id, ts, body FROM (${perKey.join(" UNION ALL ")}) AS pages ORDER BY ts DESC, id DESC LIMIT $1`,
      params,
    );
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.body) as EventEnvelope);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? `${last.ts}_${last.id}` : null };
  }

  async mergeHistory(id: string): Promise<MergeRecord[]> {
    const rows = await this.sql.all<MergeRow>(
      "SELECT * FROM merges WHERE winner_id = $1 OR loser_id = $1 ORDER BY at DESC, id DESC",
      [id],
    );
    return rows.map(mergeOf);
  }

  async merge(winnerId: string, loserId: string, at: number, reason: string): Promise<MergeRecord> {
    if (winnerId === loserId) throw new ProximaError("bad_request", "cannot merge a profile into itself");
    return this.transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.run(`SELECT pg_advisory_xact_lock(${LOCK.identity})`);
      const winner = await this.liveProfileId(tx, winnerId);
      const loser = await this.liveProfileId(tx, loserId);
      if (!winner || !loser)
        throw new ProximaError(
          "not_found",
          `no profile ${!winner ? winnerId : loserId}; check the id in GET /v1/customers`,
        );
      if (winner === loser) throw new ProximaError("conflict", `${loserId} is already part of ${winnerId}`);
      const moved = (
        await tx.all<{ key: string }>("SELECT key FROM identities WHERE profile_id = $1", [loser])
      ).map((r) => r.key);
      const id = await this.applyMerge(tx, winner, loser, moved, reason || "operator merge", at);
      await tx.run("DELETE FROM merge_blocks WHERE (a = $1 AND b = $2) OR (a = $2 AND b = $1)", [
        winner,
        loser,
      ]);
      await this.feedAfterMerge(tx, winner, loser);
      const [row] = await tx.all<MergeRow>("SELECT * FROM merges WHERE id = $1", [id]);
      return mergeOf(row!);
    });
  }

  private async feedAfterMerge(tx: Sql, winner: string, loser: string) {
    const rows = await tx.all<{ venue_id: string; entity_id: string }>(
      "SELECT venue_id, entity_id FROM feed WHERE kind = 'profile' AND (entity_id = $1 OR entity_id = $2)",
      [winner, loser],
    );
    const venues = new Set(rows.map((r) => r.venue_id));
    await this.touchFeed(tx, [
      ...[...venues].map((venueId) => ({ venueId, kind: "profile", entityId: winner, deleted: false })),
      ...rows
        .filter((r) => r.entity_id === loser)
        .map((r) => ({ venueId: r.venue_id, kind: "profile", entityId: loser, deleted: true })),
    ]);
  }

  async unmerge(mergeId: string, at: number): Promise<MergeRecord> {
    return this.transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.run(`SELECT pg_advisory_xact_lock(${LOCK.identity})`);
      const [row] = await tx.all<MergeRow>("SELECT * FROM merges WHERE id = $1", [mergeId]);
      if (!row)
        throw new ProximaError(
          "not_found",
          `no merge ${mergeId}; list them with GET /v1/customers/{id}/merges`,
        );
      if (row.reversed_at !== null)
        throw new ProximaError("conflict", `merge ${mergeId} was already reversed`);
      const merge = mergeOf(row);
      const winner = await this.liveProfileId(tx, merge.winnerId);
      if (!winner)
        throw new ProximaError("not_found", `profile ${merge.winnerId} no longer exists (erased?)`);
      // The loser comes back with the identities the merge moved that are still in the winner.
      await tx.run("UPDATE profiles SET merged_into = NULL WHERE id = $1", [merge.loserId]);
      await tx.run(
        `UPDATE identities SET profile_id = $1 WHERE profile_id = $2 AND ${inList(tx, "key", 3)}`,
        [merge.loserId, winner, listParam(tx, merge.moved)],
      );
      await tx.run("UPDATE merges SET reversed_at = $1 WHERE id = $2", [at, mergeId]);
      const [a, b] = [winner, merge.loserId].sort() as [string, string];
      await tx.run("INSERT INTO merge_blocks (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING", [a, b]);
      const venues = await tx.all<{ venue_id: string }>(
        "SELECT DISTINCT venue_id FROM feed WHERE kind = 'profile' AND (entity_id = $1 OR entity_id = $2)",
        [winner, merge.loserId],
      );
      await this.touchFeed(
        tx,
        venues.flatMap((v) => [
          { venueId: v.venue_id, kind: "profile", entityId: winner, deleted: false },
          { venueId: v.venue_id, kind: "profile", entityId: merge.loserId, deleted: false },
        ]),
      );
      return { ...merge, reversedAt: at };
    });
  }

  async setConsent(
    id: string,
    consent: Partial<Record<ConsentPurpose, boolean>>,
    at: number,
  ): Promise<boolean> {
    return this.transaction(async (tx) => {
      const live = await this.liveProfileId(tx, id);
      if (!live) return false;
      const keys = await tx.all<{ key: string }>(
        "SELECT key FROM identities WHERE profile_id = $1 AND shared = 0",
        [live],
      );
      const rows: unknown[][] = [];
      for (const { key } of keys)
        for (const purpose of CONSENT_PURPOSES)
          if (consent[purpose] !== undefined) rows.push([key, purpose, consent[purpose] ? 1 : 0, at]);
      await bulkInsert(
        tx,
        "identity_consent",
        CONSENT_COLUMNS,
        rows,
        "ON CONFLICT (key, purpose) DO UPDATE SET granted = excluded.granted, ts = excluded.ts",
      );
      await this.refreshProfilesInFeed(tx, [live]);
      return true;
    });
  }

  async erase(id: string, at: number): Promise<ErasureReceipt | null> {
    return this.transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.run(`SELECT pg_advisory_xact_lock(${LOCK.identity})`);
      const live = await this.liveProfileId(tx, id);
      if (!live) return null;
      const keys = (
        await tx.all<{ key: string }>("SELECT key FROM identities WHERE profile_id = $1", [live])
      ).map((r) => r.key);
      const absorbed = (
        await tx.all<{ id: string }>("SELECT id FROM profiles WHERE merged_into = $1", [live])
      ).map((r) => r.id);
      const profiles = [live, ...absorbed];
      const k = listParam(tx, keys);
      const [{ n: events } = { n: 0 }] = await tx.all<{ n: number }>(
        `SELECT COUNT(*) AS n FROM events WHERE ${inList(tx, "identity_key", 1)}`,
        [k],
      );
      await tx.run(`DELETE FROM events WHERE ${inList(tx, "identity_key", 1)}`, [k]);
      // Events filed under someone else that also carried one of these identities: redact it.
      const linked = await tx.all<{ id: string; body: string }>(
        `SELECT e.id, e.body FROM events e JOIN event_links l ON l.event_id = e.id WHERE ${inList(tx, "l.identity_key", 1)}`,
        [k],
      );
      const erased = new Set(keys);
      for (const row of linked) {
        const event = JSON.parse(row.body) as EventEnvelope;
        event.identities = (event.identities ?? []).filter((i) => !erased.has(identityKey(i)));
        await tx.run("UPDATE events SET body = $1 WHERE id = $2", [JSON.stringify(event), row.id]);
      }
      await tx.run(`DELETE FROM event_links WHERE ${inList(tx, "identity_key", 1)}`, [k]);
      for (const table of [
        "identity_stats",
        "identity_items",
        "identity_days",
        "identity_consent",
        "identity_attributes",
      ])
        await tx.run(`DELETE FROM ${table} WHERE ${inList(tx, "key", 1)}`, [k]);
      await tx.run(`DELETE FROM identities WHERE ${inList(tx, "key", 1)}`, [k]);
      const p = listParam(tx, profiles);
      await tx.run(`DELETE FROM segment_members WHERE ${inList(tx, "profile_id", 1)}`, [p]);
      await tx.run(`DELETE FROM merges WHERE ${inList(tx, "winner_id", 1)} OR ${inList(tx, "loser_id", 1)}`, [
        p,
      ]);
      await tx.run(`DELETE FROM merge_blocks WHERE ${inList(tx, "a", 1)} OR ${inList(tx, "b", 1)}`, [p]);
      await tx.run(`DELETE FROM profiles WHERE ${inList(tx, "id", 1)}`, [p]);
      for (const projection of this.projections)
        await projection.erase?.(tx, { profileId: live, identityKeys: keys });
      const venuesNotified = await this.refreshProfilesInFeed(tx, profiles, true);
      await tx.run(
        "INSERT INTO erasures (profile_id, at, identities, events) VALUES ($1, $2, $3, $4) ON CONFLICT (profile_id) DO NOTHING",
        [live, at, keys.length, Number(events)],
      );
      return {
        profileId: live,
        erasedAt: at,
        identities: keys.length,
        events: Number(events),
        venuesNotified,
      };
    });
  }

  async exportCustomer(id: string): Promise<CustomerExport | null> {
    const customer = await this.getCustomer(id, { limit: 1 });
    if (!customer) return null;
    const keys = customer.identities.map((i) => identityKey(i));
    const rows = await this.sql.all<{ body: string }>(
      `SELECT body FROM events WHERE ${inList(this.sql, "identity_key", 1)} ORDER BY ts DESC, id DESC`,
      [listParam(this.sql, keys)],
    );
    const events = rows.map((r) => JSON.parse(r.body) as EventEnvelope);
    return {
      customer: { ...customer, timeline: { items: events, nextCursor: null } },
      events,
      merges: await this.mergeHistory(customer.id),
    };
  }

  async listProfileIds(after: string | null, limit: number): Promise<string[]> {
    const rows = await this.sql.all<{ id: string }>(
      "SELECT id FROM profiles WHERE merged_into IS NULL AND id > $1 ORDER BY id LIMIT $2",
      [after ?? "", limit],
    );
    return rows.map((r) => r.id);
  }

  async counts(): Promise<{ profiles: number; identities: number; events: number }> {
    const [row] = await this.sql.all<{ profiles: number; identities: number; events: number }>(
      `SELECT (SELECT COUNT(*) FROM profiles WHERE merged_into IS NULL) AS profiles,
              (SELECT COUNT(*) FROM identities) AS identities,
              (SELECT COUNT(*) FROM events) AS events`,
    );
    return {
      profiles: Number(row!.profiles),
      identities: Number(row!.identities),
      events: Number(row!.events),
    };
  }
}

const isIdentified = (agg: ProfileAggregate) =>
  agg.identities.some((i) => {
    const type = i.key.slice(0, i.key.indexOf(":"));
    return type === "loyalty" || type === "email" || type === "phone" || type === "app";
  });

interface SourceRow {
  id: string;
  kind: SourceRecord["kind"];
  name: string;
  token_hash: string;
  venue_id: string | null;
  created_at: number;
  revoked_at: number | null;
}

const sourceOf = (r: SourceRow): SourceRecord => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  tokenHash: r.token_hash,
  venueId: r.venue_id,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

interface MergeRow {
  id: string;
  winner_id: string;
  loser_id: string;
  moved: string;
  reason: string;
  at: number;
  reversed_at: number | null;
}

const mergeOf = (r: MergeRow): MergeRecord => ({
  id: r.id,
  winnerId: r.winner_id,
  loserId: r.loser_id,
  moved: JSON.parse(r.moved) as string[],
  reason: r.reason,
  at: Number(r.at),
  reversedAt: r.reversed_at === null ? null : Number(r.reversed_at),
});

function parseCursor(cursor: string | null): number {
  if (cursor === null || cursor === "") return 0;
  if (!/^\d{1,15}$/.test(cursor))
    throw new ProximaError(
      "bad_request",
      `cursor "${cursor.slice(0, 40)}" is not one this API gave out; start again without one`,
    );
  return Number(cursor);
}

function parseTimelineCursor(cursor: string): { ts: number; id: string } {
  const match = /^(\d{1,15})_([0-9a-f-]{36})$/.exec(cursor);
  if (!match)
    throw new ProximaError("bad_request", "timeline cursor is not one this API gave out; start without one");
  return { ts: Number(match[1]), id: match[2]! };
}
