import {
  type Customer360,
  type EventEnvelope,
  type EventEnvelopeInput,
  EventEnvelope as EventSchema,
  newId,
} from "@proxima/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AcceptedEvent, Store } from "./port.js";

/**
 * The contract every Store adapter keeps. Run by store/sqlite-store.test.ts (SQLite
 * file) and tests/src/cloud-store-postgres.test.ts (a throwaway PostgreSQL database).
 * `open` returns a fresh, empty store; `openSecond` (if given) a second instance on the
 * same database, as a second cloud-api process would have.
 */
export interface ContractTarget {
  name: string;
  open(): Promise<Store>;
  openSecond?(): Promise<Store>;
  cleanup?(): Promise<void>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 10);

let seq = 0;
/** a valid event; ids are UUIDv7 so they sort by time */
export function event(
  input: Partial<EventEnvelopeInput> & Pick<EventEnvelopeInput, "type" | "identity">,
): EventEnvelope {
  seq++;
  return EventSchema.parse({
    id: newId(T0 + seq),
    ts: T0 + seq * 1000,
    venueId: "store-042",
    source: { kind: "kiosk", id: "kiosk-1" },
    data: {},
    ...input,
  });
}

const loyalty = (value: string) => ({ type: "loyalty" as const, value });
const email = (value: string) => ({ type: "email" as const, value });
const subject = (value: string) => ({ type: "subject" as const, value });
const anon = (value: string) => ({ type: "anonymous" as const, value });
const phone = (value: string) => ({ type: "phone" as const, value });

export function storeContract(target: ContractTarget): void {
  describe(`Store contract: ${target.name}`, () => {
    let store: Store;
    const seen: AcceptedEvent[][] = [];

    beforeAll(async () => {
      store = await target.open();
      store.registerProjection({
        name: "recorder",
        apply: async (_tx, events) => void seen.push([...events]),
      });
    });
    afterAll(async () => {
      await store?.close();
      await target.cleanup?.();
    });

    it("stores a batch once: a replayed batch and in-batch repeats are duplicates", async () => {
      const a = event({ type: "app.opened", identity: anon("dev-1"), venueId: undefined });
      const b = event({ type: "web.page_viewed", identity: anon("dev-1"), venueId: undefined });
      seen.length = 0;
      expect((await store.ingest([a, b, a])).results).toEqual(["accepted", "accepted", "duplicate"]);
      expect((await store.ingest([b, a])).results).toEqual(["duplicate", "duplicate"]);
      // projections saw each accepted event once, never the duplicates
      expect(seen.flat().map((e) => e.event.id)).toEqual([a.id, b.id]);
      const id = await store.findProfileId(anon("dev-1"));
      expect(id).not.toBeNull();
      expect(seen.flat().every((e) => e.profileId === id)).toBe(true);
    });

    it("stores any text: quotes, backslashes, emoji, NUL, a lone surrogate", async () => {
      const note = 'say "hi" \\ back\nslash 🍹 ünï \u0000';
      const e = event({
        type: "call.note",
        identity: loyalty("L-\ud83c-text"),
        data: { note, broken: "half \ud83c pair" },
      });
      // NUL in a key: PostgreSQL's text refuses it, so it must not sink the batch
      const pour = event({
        type: "pour.completed",
        identity: loyalty("L-\u0000-nul"),
        data: { productId: "p-\u0000", ml: 300 },
      });
      expect((await store.ingest([e, pour])).results).toEqual(["accepted", "accepted"]);
      // a lone surrogate is not Unicode and NUL can't be kept in a key: both are stored
      // as U+FFFD, which is also what a lookup with the same string finds; the events
      // themselves come back unchanged
      const id = await store.findProfileId(loyalty("L-\ud83c-text"));
      expect(id).not.toBeNull();
      expect(await store.findProfileId(loyalty("L-\ufffd-text"))).toBe(id);
      const stored = (await store.getCustomer(id!))!.timeline.items.find((item) => item.id === e.id)!;
      expect(stored.data).toEqual({ note, broken: "half \ud83c pair" });
      const pourer = await store.findProfileId(loyalty("L-\u0000-nul"));
      expect(pourer).not.toBeNull();
      const view = (await store.getCustomer(pourer!))!;
      expect(view.timeline.items.map((item) => item.data)).toEqual([{ productId: "p-\u0000", ml: 300 }]);
      expect((await store.ingest([e, pour])).results).toEqual(["duplicate", "duplicate"]);
    });

    it("rolls the whole batch back when a projection fails", async () => {
      const failing = event({ type: "app.opened", identity: anon("dev-rollback") });
      const broken = {
        name: "broken",
        apply: async () => {
          throw new Error("rollup failed");
        },
      };
      store.registerProjection(broken);
      await expect(store.ingest([failing])).rejects.toThrow("rollup failed");
      // remove it again: projections are a plain list on the store
      const list = (store as unknown as { projections: unknown[] }).projections;
      list.splice(list.indexOf(broken), 1);
      expect(await store.findProfileId(anon("dev-rollback"))).toBeNull();
      expect((await store.ingest([failing])).results).toEqual(["accepted"]);
    });

    it("stitches anonymous activity into the person once they identify, timeline newest first", async () => {
      const browse = event({
        type: "web.page_viewed",
        identity: anon("cookie-7"),
        source: { kind: "web", id: "site" },
        venueId: undefined,
      });
      const pour = event({
        type: "pour.completed",
        identity: subject("ibeacon:aa:1:2"),
        data: { productId: "cola-zero" },
      });
      await store.ingest([browse, pour]);
      const before = await store.findProfileId(anon("cookie-7"));
      // the app logs in: the cookie and the loyalty id are seen together
      const login = event({
        type: "identity.linked",
        identity: loyalty("L-100"),
        identities: [anon("cookie-7")],
        source: { kind: "app", id: "ios" },
        venueId: undefined,
      });
      // at the kiosk the beacon subject and the loyalty id are seen together
      const tap = event({
        type: "kiosk.identified",
        identity: loyalty("L-100"),
        identities: [subject("ibeacon:aa:1:2")],
      });
      await store.ingest([login, tap]);
      const id = await store.findProfileId(loyalty("L-100"));
      expect(id).not.toBeNull();
      expect(await store.findProfileId(anon("cookie-7"))).toBe(id);
      expect(await store.findProfileId(subject("ibeacon:aa:1:2"))).toBe(id);
      // the old anonymous id answers the merged profile
      const viaOld = await store.getCustomer(before!);
      expect(viaOld?.id).toBe(id);
      const customer = (await store.getCustomer(id!))!;
      expect(customer.identities.map((i) => `${i.type}:${i.value}`).sort()).toEqual(
        ["anonymous:cookie-7", "loyalty:L-100", "subject:ibeacon:aa:1:2"].sort(),
      );
      expect(customer.timeline.items.map((e) => e.id)).toEqual([tap.id, login.id, pour.id, browse.id]);
      const history = await store.mergeHistory(id!);
      expect(history.length).toBeGreaterThanOrEqual(1);
    });

    it("pages the timeline by cursor without gaps or repeats", async () => {
      const events = Array.from({ length: 7 }, () =>
        event({ type: "email.opened", identity: email("pager@example.com"), venueId: undefined }),
      );
      await store.ingest(events);
      const id = (await store.findProfileId(email("pager@example.com")))!;
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const t: Customer360["timeline"] = (await store.timeline(id, { cursor, limit: 3 }))!;
        ids.push(...t.items.map((e) => e.id));
        cursor = t.nextCursor;
        if (!cursor) break;
      }
      expect(ids).toEqual(events.map((e) => e.id).reverse());
    });

    it("merges the timelines of a person's identities page by page, ties on time included", async () => {
      // three identities of one person, interleaved in time, several events sharing a timestamp
      const base = T0 + 50 * DAY;
      const ids = [loyalty("L-pages"), email("pages@example.com"), phone("+447700900777")];
      const link = event({ type: "identity.linked", identity: ids[0]!, identities: [ids[1]!, ids[2]!] });
      const many = Array.from({ length: 40 }, (_, i) =>
        event({ type: "call.note", identity: ids[i % 3]!, ts: base + Math.floor(i / 4) * 1000 }),
      );
      await store.ingest([link, ...many]);
      const id = (await store.findProfileId(ids[2]!))!;
      const expected = [link, ...many].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1)).map((e) => e.id);
      for (const limit of [1, 7, 50]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 100; page++) {
          const t: Customer360["timeline"] = (await store.timeline(id, { cursor, limit }))!;
          seen.push(...t.items.map((e) => e.id));
          cursor = t.nextCursor;
          if (!cursor) break;
        }
        expect(seen, `pages of ${limit}`).toEqual(expected);
      }
    });

    it("never merges two people through a family email or a shared device", async () => {
      // mum and dad each identify with their own loyalty card, both with the family email
      await store.ingest([
        event({
          type: "kiosk.identified",
          identity: loyalty("MUM"),
          identities: [email("family@example.com")],
        }),
        event({
          type: "kiosk.identified",
          identity: loyalty("DAD"),
          identities: [email("family@example.com")],
        }),
        // the tablet at home (one app install) used by both
        event({
          type: "app.opened",
          identity: loyalty("MUM"),
          identities: [{ type: "app", value: "tablet-1" }],
        }),
        event({
          type: "app.opened",
          identity: loyalty("DAD"),
          identities: [{ type: "app", value: "tablet-1" }],
        }),
        // a beacon tag handed from one to the other
        event({
          type: "kiosk.identified",
          identity: subject("ibeacon:bb:1:1"),
          identities: [loyalty("MUM")],
        }),
        event({
          type: "kiosk.identified",
          identity: subject("ibeacon:bb:1:1"),
          identities: [loyalty("DAD")],
        }),
      ]);
      const mum = await store.findProfileId(loyalty("MUM"));
      const dad = await store.findProfileId(loyalty("DAD"));
      expect(mum).not.toBeNull();
      expect(dad).not.toBeNull();
      expect(mum).not.toBe(dad);
      const mumView = (await store.getCustomer(mum!))!;
      const family = mumView.identities.find((i) => i.value === "family@example.com");
      expect(family?.shared).toBe(true);
      // an event carried by the family email plus dad's card is filed under dad
      const dadsEmail = event({
        type: "email.clicked",
        identity: email("family@example.com"),
        identities: [loyalty("DAD")],
        venueId: undefined,
      });
      await store.ingest([dadsEmail]);
      const dadView = (await store.getCustomer(dad!))!;
      expect(dadView.timeline.items.map((e) => e.id)).toContain(dadsEmail.id);
      expect((await store.getCustomer(mum!))!.timeline.items.map((e) => e.id)).not.toContain(dadsEmail.id);
      // a phone seen only with the shared email does not join mum blindly
      await store.ingest([
        event({
          type: "call.note",
          identity: email("family@example.com"),
          identities: [phone("+4470000001")],
          venueId: undefined,
        }),
      ]);
      expect(await store.findProfileId(phone("+4470000001"))).not.toBe(mum);
    });

    it("lets an operator reverse a merge, and the reversal sticks", async () => {
      await store.ingest([
        event({ type: "app.opened", identity: anon("kiosk-session-9") }),
        event({
          type: "kiosk.identified",
          identity: loyalty("L-200"),
          identities: [anon("kiosk-session-9")],
        }),
      ]);
      const id = (await store.findProfileId(loyalty("L-200")))!;
      expect(await store.findProfileId(anon("kiosk-session-9"))).toBe(id);
      const [merge] = await store.mergeHistory(id);
      expect(merge).toMatchObject({ winnerId: id, moved: ["anonymous:kiosk-session-9"], reversedAt: null });
      const reversed = await store.unmerge(merge!.id, T0 + 10 * DAY);
      expect(reversed.reversedAt).toBe(T0 + 10 * DAY);
      expect(await store.findProfileId(anon("kiosk-session-9"))).toBe(merge!.loserId);
      expect(await store.findProfileId(loyalty("L-200"))).toBe(id);
      // seen together again: the operator's decision holds
      await store.ingest([
        event({
          type: "kiosk.identified",
          identity: loyalty("L-200"),
          identities: [anon("kiosk-session-9")],
        }),
      ]);
      expect(await store.findProfileId(anon("kiosk-session-9"))).toBe(merge!.loserId);
      await expect(store.unmerge(merge!.id, T0)).rejects.toMatchObject({ code: "conflict" });
      // and an operator can merge by hand
      const manual = await store.merge(id, merge!.loserId, T0 + 11 * DAY, "customer asked");
      expect(manual.reason).toBe("customer asked");
      expect(await store.findProfileId(anon("kiosk-session-9"))).toBe(id);
    });

    it("keeps traits current as events arrive", async () => {
      const who = loyalty("L-300");
      const at = (day: number, hour = 0) => T0 + day * DAY + hour * 3_600_000;
      const mk = (ts: number, type: EventEnvelopeInput["type"], data: Record<string, unknown> = {}) =>
        EventSchema.parse({
          id: newId(ts),
          ts,
          venueId: "store-042",
          source: { kind: "kiosk", id: "k" },
          type,
          identity: who,
          data,
        });
      await store.ingest([
        mk(at(0), "presence.enter", { zone: "entrance" }),
        mk(at(0, 1), "pour.completed", { productId: "cola", flavourIds: ["cherry", "vanilla"] }),
        mk(at(0, 2), "purchase.completed", { amount: 3.5, currency: "EUR", productId: "cola" }),
      ]);
      let traits = (await store.getCustomer((await store.findProfileId(who))!))!.traits;
      expect(traits).toMatchObject({
        visitCount: 1,
        pours: 1,
        purchases: 1,
        revenue: 3.5,
        lifecycleStage: "conversion",
      });
      await store.ingest([
        mk(at(3), "pour.completed", { productId: "lemonade", flavourIds: ["cherry"] }),
        mk(at(3, 1), "pour.completed", { productId: "cola" }),
        mk(at(3, 2), "feedback.submitted", { rating: 4 }),
        mk(at(5), "feedback.submitted", { rating: 2 }),
        mk(at(5, 1), "call.note", { note: "complained about the queue" }),
      ]);
      traits = (await store.getCustomer((await store.findProfileId(who))!))!.traits;
      expect(traits).toMatchObject({
        visitCount: 2, // feedback and calls are not visits; day 0 and day 3 are
        pours: 3,
        favouriteProducts: ["cola", "lemonade"],
        favouriteFlavours: ["cherry", "vanilla"],
        satisfaction: { average: 3, ratings: 2 },
        lifecycleStage: "retention",
        firstVisit: Math.floor(at(0) / DAY) * DAY,
        lastVisit: Math.floor(at(3) / DAY) * DAY,
      });
      // profitability = revenue − servicing cost (3 pours × 0.05 + one call 4)
      expect(traits.servicingCost).toBeCloseTo(4.15, 5);
      expect(traits.profitability).toBeCloseTo(3.5 - 4.15, 5);
      expect(traits.rfm).toMatchObject({ frequency: 2, monetary: 1 });
    });

    it("counts visits by the venue's local days, not UTC days", async () => {
      // Auckland is UTC+13 in November: 20:00 UTC on the 24th and 08:00 UTC on the
      // 25th are both the 25th there (one visit), though UTC sees two days; 11:30 UTC on
      // the 25th is already the 26th (a second visit) though UTC sees the same day.
      store.useCalendar((venueId) => (venueId === "store-akl" ? "Pacific/Auckland" : "UTC"));
      const who = loyalty("L-akl");
      const pour = (iso: string) =>
        EventSchema.parse({
          id: newId(Date.parse(iso)),
          ts: Date.parse(iso),
          venueId: "store-akl",
          source: { kind: "kiosk", id: "k" },
          type: "pour.completed",
          identity: who,
          data: { productId: "cola" },
        });
      await store.ingest([pour("2026-11-24T20:00:00Z"), pour("2026-11-25T08:00:00Z")]);
      const id = (await store.findProfileId(who))!;
      expect((await store.getCustomer(id))!.traits).toMatchObject({
        visitCount: 1,
        firstVisit: Date.UTC(2026, 10, 25),
      });
      await store.ingest([pour("2026-11-25T11:30:00Z")]);
      expect((await store.getCustomer(id))!.traits).toMatchObject({
        visitCount: 2,
        firstVisit: Date.UTC(2026, 10, 25),
        lastVisit: Date.UTC(2026, 10, 26),
      });
      store.useCalendar(() => "UTC");
    });

    it("serves the venue's changes in order, paged, each entity at its latest state", async () => {
      const venue = "venue-feed";
      const c0 = await store.changesSince(venue, null, 1000);
      await store.upsertSegment({ id: "lunch", name: "Lunch crowd" });
      await store.upsertCampaign({
        id: "summer",
        name: "Summer",
        status: "active",
        channels: ["kiosk"],
        startsAt: T0,
        audience: { segments: [], includeAnonymous: false },
        holdoutPct: 10,
        variants: [{ id: "a", weight: 1, productId: "cola", title: "Cola", reason: "hot day" }],
        priority: 0,
      });
      await store.replaceCatalogue({ version: "1", brands: [], ingredients: [], products: [] });
      const who = loyalty("L-400");
      await store.ingest([
        event({
          type: "consent.updated",
          identity: who,
          venueId: venue,
          data: { consent: { personalization: true } },
        }),
        event({ type: "pour.completed", identity: who, venueId: venue, data: { productId: "cola" } }),
      ]);
      // page through one change at a time
      const kinds: string[] = [];
      let cursor = c0.cursor;
      for (let i = 0; i < 20; i++) {
        const page = await store.changesSince(venue, cursor, 1);
        kinds.push(...page.changes.map((c) => c.kind));
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      expect(kinds).toEqual(
        expect.arrayContaining(["segment.upsert", "campaign.upsert", "catalogue.replace", "profile.upsert"]),
      );
      const all = await store.changesSince(venue, c0.cursor, 1000);
      const profile = all.changes.find((c) => c.kind === "profile.upsert");
      expect(profile).toMatchObject({
        profile: { consent: { personalization: true }, favourites: ["cola"] },
      });
      // nothing new after the last cursor; another venue never sees this venue's profile
      expect((await store.changesSince(venue, cursor, 10)).changes).toEqual([]);
      const other = await store.changesSince("venue-other", null, 1000);
      expect(
        other.changes.some(
          (c) => c.kind === "profile.upsert" && c.profile.identities.some((i) => i.value === "L-400"),
        ),
      ).toBe(false);
      // an updated campaign moves past the cursor
      await store.deleteCampaign("summer");
      const after = await store.changesSince(venue, cursor, 10);
      expect(after.changes).toEqual([{ kind: "campaign.delete", id: "summer" }]);
      await expect(store.changesSince(venue, "not-a-cursor", 10)).rejects.toMatchObject({
        code: "bad_request",
      });
    });

    it("honours consent in what reaches the gateways", async () => {
      const venue = "venue-consent";
      const who = loyalty("L-500");
      const start = (await store.changesSince(venue, null, 1000)).cursor;
      await store.ingest([
        event({
          type: "kiosk.identified",
          identity: who,
          venueId: venue,
          identities: [subject("ibeacon:cc:1:1")],
        }),
        event({ type: "profile.updated", identity: who, venueId: venue, data: { firstName: "Ada" } }),
        event({ type: "pour.completed", identity: who, venueId: venue, data: { productId: "cola" } }),
      ]);
      let page = await store.changesSince(venue, start, 100);
      let edge = page.changes.find((c) => c.kind === "profile.upsert");
      // no consent yet: no name, no favourites, no beacon subject
      expect(edge).toMatchObject({ profile: { favourites: [], recent: [], identities: [who] } });
      expect(edge && "profile" in edge && edge.profile.firstName).toBeFalsy();
      const id = (await store.findProfileId(who))!;
      await store.setConsent(id, { personalization: true, location: true }, T0 + 50 * DAY);
      page = await store.changesSince(venue, page.cursor, 100);
      edge = page.changes.find((c) => c.kind === "profile.upsert");
      expect(edge).toMatchObject({
        profile: {
          firstName: "Ada",
          favourites: ["cola"],
          consent: { personalization: true, location: true },
        },
      });
      expect(edge && "profile" in edge && edge.profile.identities).toContainEqual(subject("ibeacon:cc:1:1"));
    });

    it("erases a person everywhere and tells the gateways", async () => {
      const venue = "venue-erase";
      const who = loyalty("L-600");
      const start = (await store.changesSince(venue, null, 1000)).cursor;
      const bystander = event({ type: "kiosk.identified", identity: loyalty("L-601"), venueId: venue });
      await store.ingest([
        event({
          type: "pour.completed",
          identity: who,
          venueId: venue,
          data: { productId: "cola" },
          identities: [email("erase@example.com")],
        }),
        event({
          type: "consent.updated",
          identity: who,
          venueId: venue,
          data: { consent: { personalization: true } },
        }),
        bystander,
      ]);
      const id = (await store.findProfileId(who))!;
      const exported = (await store.exportCustomer(id))!;
      expect(exported.events).toHaveLength(2);
      const page = await store.changesSince(venue, start, 100);
      const receipt = await store.erase(id, T0 + 60 * DAY);
      expect(receipt).toMatchObject({ profileId: id, identities: 2, events: 2, venuesNotified: 1 });
      expect(await store.findProfileId(who)).toBeNull();
      expect(await store.findProfileId(email("erase@example.com"))).toBeNull();
      expect(await store.getCustomer(id)).toBeNull();
      expect(await store.exportCustomer(id)).toBeNull();
      const after = await store.changesSince(venue, page.cursor, 100);
      expect(after.changes).toContainEqual({ kind: "profile.delete", id });
      expect(await store.erase(id, T0)).toBeNull();
      // the bystander in the same batch is untouched
      expect(await store.findProfileId(loyalty("L-601"))).not.toBeNull();
    });

    it("redacts an erased person's identity from events filed under someone else", async () => {
      await store.ingest([
        event({
          type: "kiosk.identified",
          identity: loyalty("L-700"),
          identities: [email("shared-700@example.com")],
        }),
      ]);
      const other = event({
        type: "email.clicked",
        identity: loyalty("L-701"),
        identities: [email("shared-700@example.com")],
        venueId: undefined,
      });
      await store.ingest([other]);
      const owner = (await store.findProfileId(loyalty("L-700")))!;
      expect(await store.findProfileId(email("shared-700@example.com"))).toBe(owner);
      await store.erase(owner, T0 + 70 * DAY);
      const kept = (await store.getCustomer((await store.findProfileId(loyalty("L-701")))!))!;
      const stored = kept.timeline.items.find((e) => e.id === other.id);
      expect(stored).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain("shared-700@example.com");
    });

    it("stores sources by token hash and revokes them", async () => {
      const created = await store.createSource({
        id: "gateway:gw-1",
        kind: "gateway",
        name: "Downtown hub",
        tokenHash: "ab".repeat(32),
        venueId: "store-042",
        createdAt: T0,
      });
      expect(created.revokedAt).toBeNull();
      await expect(
        store.createSource({
          id: "gateway:gw-1",
          kind: "gateway",
          name: "again",
          tokenHash: "cd".repeat(32),
          createdAt: T0,
        }),
      ).rejects.toMatchObject({ code: "conflict" });
      expect(await store.findSourceByTokenHash("ab".repeat(32))).toMatchObject({
        id: "gateway:gw-1",
        venueId: "store-042",
      });
      expect(await store.findSourceByTokenHash("ef".repeat(32))).toBeNull();
      expect(await store.revokeSource("gateway:gw-1", T0 + 1)).toBe(true);
      expect(await store.revokeSource("gateway:gw-1", T0 + 2)).toBe(false);
      expect((await store.findSourceByTokenHash("ab".repeat(32)))?.revokedAt).toBe(T0 + 1);
      expect((await store.listSources()).map((s) => s.id)).toContain("gateway:gw-1");
    });

    if (target.openSecond) {
      const openSecond = target.openSecond;
      it("never lets a paging gateway miss a change while two instances write", async () => {
        const second = await openSecond();
        const venue = "venue-paging";
        try {
          let cursor = (await store.changesSince(venue, null, 1000)).cursor;
          const seen = new Set<string>();
          let writing = true;
          const writers = [store, second].map(async (writer, w) => {
            for (let b = 0; b < 15; b++)
              await writer.ingest(
                Array.from({ length: 40 }, (_, k) =>
                  event({
                    type: "pour.completed",
                    identity: loyalty(`P-${w}-${b}-${k}`),
                    venueId: venue,
                    data: { productId: "cola" },
                  }),
                ),
              );
          });
          const reader = (async () => {
            // a gateway pulling small pages as fast as it can while the writers run
            while (writing) {
              const page = await store.changesSince(venue, cursor, 7);
              for (const c of page.changes)
                if (c.kind === "profile.upsert") seen.add(c.profile.identities[0]!.value);
              cursor = page.cursor;
            }
          })();
          await Promise.all(writers);
          writing = false;
          await reader;
          for (;;) {
            const page = await store.changesSince(venue, cursor, 100);
            for (const c of page.changes)
              if (c.kind === "profile.upsert") seen.add(c.profile.identities[0]!.value);
            cursor = page.cursor;
            if (!page.hasMore) break;
          }
          expect(seen.size).toBe(2 * 15 * 40);
        } finally {
          await second.close();
        }
      });

      it("stays correct with two instances ingesting into one database at once", async () => {
        const second = await openSecond();
        try {
          const people = Array.from({ length: 200 }, (_, i) => `C-${i}`);
          const batch = (n: number) =>
            people.map((p, i) =>
              EventSchema.parse({
                id: newId(T0 + n * 1000 + i),
                ts: T0 + n * 1000 + i,
                venueId: "store-042",
                source: { kind: "kiosk", id: "k" },
                type: "kiosk.identified",
                identity: loyalty(p),
                identities: [subject(`ibeacon:dd:${i}:${n % 2}`)],
              }),
            );
          const batches = Array.from({ length: 6 }, (_, n) => batch(n));
          const before = await store.counts();
          // each batch sent to both instances at once (a retry racing the original)
          const answers = await Promise.all(batches.flatMap((b) => [store.ingest(b), second.ingest(b)]));
          const accepted = answers.flatMap((a) => a.results).filter((r) => r === "accepted").length;
          expect(accepted).toBe(6 * 200);
          const after = await store.counts();
          expect(after.events - before.events).toBe(6 * 200);
          // one profile per person, both tags in it
          expect(after.identities - before.identities).toBe(200 * 3);
          for (const i of [0, 77, 199]) {
            const id = await store.findProfileId(loyalty(`C-${i}`));
            expect(await second.findProfileId(subject(`ibeacon:dd:${i}:0`))).toBe(id);
            expect(await store.findProfileId(subject(`ibeacon:dd:${i}:1`))).toBe(id);
            expect((await store.getCustomer(id!))!.traits.events).toBe(6);
          }
        } finally {
          await second.close();
        }
      });
    }
  });
}
