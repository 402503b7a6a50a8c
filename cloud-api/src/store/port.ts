import type {
  Campaign,
  Catalogue,
  ConsentPurpose,
  Customer360,
  CustomerExport,
  ErasureReceipt,
  EventEnvelope,
  Identity,
  MergeRecord,
  Segment,
  SOURCE_KINDS,
  SyncPage,
} from "@proxima/shared";
import type { Sql } from "./sql.js";
import { storableText } from "./text.js";

/**
 * The cloud's storage port. Two adapters implement it over the same `Sql` port —
 * SQLite (the embedded default, one file) and PostgreSQL (many cloud-api instances on
 * one database) — and one contract suite (`store.contract.ts`) runs against both.
 *
 * Data model in one paragraph: events, traits, consent and attributes are keyed by the
 * *identity* that carried them (`loyalty:123`, `email:a@b.c`, …); a profile is a set of
 * identities. Identity resolution only moves identities between profiles, so a merge or
 * an operator's un-merge never rewrites events or traits, and ingest batches whose
 * identities are all known need no lock at all. See cloud-api/README.md.
 */
export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** the underlying connection, for modules that keep their own tables (analytics, auth) */
  readonly sql: Sql;

  /**
   * Runs on the accepted (never the duplicate) events of every ingest batch, inside the
   * batch's transaction (both adapters): a projection that throws rolls the batch back,
   * so rollups can never drift from the events. Register before serving traffic.
   */
  registerProjection(projection: Projection): void;

  /**
   * The venues' time zones, so that visit days are the venue's local days (a visit at
   * 23:30 and one at 00:30 local time are two visits, wherever UTC midnight falls).
   * Venues it does not know, events without a venue, and every venue until this is
   * called, count UTC days.
   */
  useCalendar(timeZoneOf: (venueId: string | undefined) => string): void;

  /**
   * Stores a batch, idempotent by event id: a replayed batch changes nothing and answers
   * `duplicate` for each event. Events must already be validated (shared EventEnvelope).
   * Identity resolution, traits, timeline, consent and the sync feed update in the same
   * transaction.
   */
  ingest(events: readonly EventEnvelope[]): Promise<IngestResult>;

  // ── sources (per-channel bearer tokens; the ingest route owns hashing) ──
  createSource(source: NewSource): Promise<SourceRecord>;
  /** the source holding this token hash, revoked or not (callers check `revokedAt`) */
  findSourceByTokenHash(tokenHash: string): Promise<SourceRecord | null>;
  /** true if a source with this id existed and was not yet revoked */
  revokeSource(id: string, at: number): Promise<boolean>;
  listSources(): Promise<SourceRecord[]>;

  // ── cloud → gateway deltas ──
  /**
   * What changed for `venueId` after `cursor` (null or "" = from the beginning), oldest
   * first, at most `limit` changes. Each entity appears at its latest state; a change
   * committed after a page was read always has a higher cursor than that page, so
   * paging never misses one (PostgreSQL: sequence numbers are taken under a
   * transaction-scoped lock held to commit).
   */
  changesSince(venueId: string, cursor: string | null, limit: number): Promise<SyncPage>;
  upsertSegment(segment: Segment): Promise<void>;
  upsertCampaign(campaign: Campaign): Promise<void>;
  deleteCampaign(id: string): Promise<void>;
  /** one catalogue per venue, or the default for every venue without its own */
  replaceCatalogue(catalogue: Catalogue, venueId?: string): Promise<void>;
  /** replaces the members of a segment (computed by the segmentation stage) */
  setSegmentMembers(segmentId: string, profileIds: readonly string[]): Promise<void>;

  // ── customers ──
  /** the current profile id of an identity (following merges), null if unknown */
  findProfileId(identity: Identity): Promise<string | null>;
  /** venues where this person has been active (merged-away ids: their winner's), for access checks */
  venuesOf(id: string): Promise<string[]>;
  /** the 360 view; merged-away ids answer the profile they were merged into */
  getCustomer(id: string, timeline?: TimelinePage): Promise<Customer360 | null>;
  /** cross-channel timeline, newest first, cursor-paged */
  timeline(id: string, page: TimelinePage): Promise<Customer360["timeline"] | null>;
  /** merges recorded for this profile (both directions), newest first */
  mergeHistory(id: string): Promise<MergeRecord[]>;
  /** operator merge of two profiles (bypasses the automatic stitching rule) */
  merge(winnerId: string, loserId: string, at: number, reason: string): Promise<MergeRecord>;
  /** operator reversal of a merge: the identities it moved go back to a profile of their own */
  unmerge(mergeId: string, at: number): Promise<MergeRecord>;
  /** sets consent for the purposes given (others unchanged); reaches the gateways via the feed */
  setConsent(id: string, consent: Partial<Record<ConsentPurpose, boolean>>, at: number): Promise<boolean>;
  /**
   * Right to erasure: profile, identities, events, traits, consent and attributes go;
   * every venue that knew the profile gets a `profile.delete` change. Returns null if
   * the profile does not exist.
   */
  erase(id: string, at: number): Promise<ErasureReceipt | null>;
  /** everything stored about one person (right of access) */
  exportCustomer(id: string): Promise<CustomerExport | null>;
  /** every live profile id, in id order, `after` exclusive (NDJSON export pages through it) */
  listProfileIds(after: string | null, limit: number): Promise<string[]>;
  counts(): Promise<{ profiles: number; identities: number; events: number }>;
  /** ingest batches waiting for the writer (group commit), for metrics */
  ingestQueue(): { batches: number; events: number };

  close(): Promise<void>;
}

export type IngestOutcome = "accepted" | "duplicate";
export interface IngestResult {
  /** one per input event, same order */
  results: IngestOutcome[];
}

/** An accepted event and the profile it resolved to (after this batch's merges). */
export interface AcceptedEvent {
  event: EventEnvelope;
  profileId: string;
}

export interface Projection {
  name: string;
  /** creates the projection's tables; called once per store, idempotent */
  migrate?(sql: Sql): Promise<void>;
  apply(tx: Sql, events: readonly AcceptedEvent[]): Promise<void>;
  /**
   * Right to erasure: remove what this projection keeps about the person, inside the
   * erasure's transaction (aggregates without personal data may stay).
   */
  erase?(tx: Sql, person: { profileId: string; identityKeys: readonly string[] }): Promise<void>;
}

export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface NewSource {
  /** `gateway:gw-1`: kind and id as events from it carry them */
  id: string;
  kind: SourceKind;
  name: string;
  /** hex SHA-256 of the bearer token; the token itself is never stored */
  tokenHash: string;
  /** venue this source may report for, if restricted */
  venueId?: string | null;
  createdAt: number;
}

export interface SourceRecord extends Required<Omit<NewSource, "venueId">> {
  venueId: string | null;
  revokedAt: number | null;
}

export interface TimelinePage {
  cursor?: string | null;
  limit?: number;
}

/** Shapes shared with the HTTP API (shared/src/customers.ts). */
export type { CustomerExport, ErasureReceipt, MergeRecord } from "@proxima/shared";

/** `type:value` — how identities are keyed everywhere in the store (see `storableText`). */
export const identityKey = (identity: Identity): string => storableText(`${identity.type}:${identity.value}`);

export function parseIdentityKey(key: string): Identity {
  const colon = key.indexOf(":");
  return { type: key.slice(0, colon) as Identity["type"], value: key.slice(colon + 1) };
}
