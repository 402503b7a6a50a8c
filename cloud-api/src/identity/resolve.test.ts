import { describe, expect, it } from "vitest";
import { conflicts, type KnownIdentity, resolve } from "./resolve.js";

/** The store's side of resolution, in memory: apply each plan as the store would. */
class Resolver {
  readonly known = new Map<string, KnownIdentity>();
  private next = 0;

  ingest(batch: string[][]) {
    const keys = new Set(batch.flat());
    const involved = new Set<string>();
    for (const k of keys) {
      const entry = this.known.get(k);
      if (entry) involved.add(entry.profileId);
    }
    const profileKeys = new Map<string, string[]>();
    for (const [key, entry] of this.known)
      if (involved.has(entry.profileId))
        profileKeys.set(entry.profileId, [...(profileKeys.get(entry.profileId) ?? []), key]);
    const known = new Map([...keys].filter((k) => this.known.has(k)).map((k) => [k, this.known.get(k)!]));
    const plan = resolve({ events: batch, known, profileKeys, newProfileId: () => `p${this.next++}` });
    for (const { key, profileId, shared } of plan.newIdentities)
      this.known.set(key, { profileId, shared: shared ?? false });
    for (const merge of plan.merges)
      for (const [key, entry] of this.known)
        if (entry.profileId === merge.loserId) this.known.set(key, { ...entry, profileId: merge.winnerId });
    for (const key of plan.shared) this.known.set(key, { ...this.known.get(key)!, shared: true });
    return plan;
  }

  profileOf(key: string) {
    return this.known.get(key)?.profileId;
  }
}

describe("identity resolution", () => {
  it("sees a conflict only between different values of a personal type", () => {
    expect(conflicts(["loyalty:1", "subject:a"], ["loyalty:2"])).toBe(true);
    expect(conflicts(["loyalty:1", "subject:a"], ["subject:b", "anonymous:x"])).toBe(false);
    expect(conflicts(["email:a@x"], ["email:a@x", "phone:1"])).toBe(false);
  });

  it("stitches within a batch and files each event under its deciding identity", () => {
    const r = new Resolver();
    const plan = r.ingest([["anonymous:c1"], ["loyalty:L1", "anonymous:c1"], ["email:e1", "loyalty:L1"]]);
    expect(r.profileOf("anonymous:c1")).toBe(r.profileOf("loyalty:L1"));
    expect(r.profileOf("email:e1")).toBe(r.profileOf("loyalty:L1"));
    // every event of the batch ends in the final profile
    expect(new Set(plan.eventProfiles)).toEqual(new Set([r.profileOf("loyalty:L1")]));
    expect(plan.eventOwners).toEqual(["anonymous:c1", "loyalty:L1", "email:e1"]);
  });

  it("makes zero wrong merges on a corpus of families sharing emails, tablets and tags", () => {
    // ground truth: 300 households of 1–4 people; each person has a loyalty id, often an
    // email, a phone, a beacon tag and anonymous sessions; households share an email,
    // a tablet (app install) and sometimes hand a tag around.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    interface Person {
      id: string;
      own: string[];
    }
    const owner = new Map<string, string>(); // identity → person, for identities one person owns
    const sharedTruth = new Set<string>();
    const households: { people: Person[]; shared: string[] }[] = [];
    for (let h = 0; h < 300; h++) {
      const size = 1 + Math.floor(random() * 4);
      const people: Person[] = [];
      for (let p = 0; p < size; p++) {
        const id = `h${h}p${p}`;
        const own = [
          `loyalty:${id}`,
          `phone:+44${h}${p}`,
          `subject:tag-${id}`,
          `anonymous:s-${id}-1`,
          `anonymous:s-${id}-2`,
        ];
        if (random() < 0.6) own.push(`email:${id}@example.com`);
        for (const k of own) owner.set(k, id);
        people.push({ id, own });
      }
      const shared = [`email:family${h}@example.com`, `app:tablet-${h}`];
      if (size > 1) for (const k of shared) sharedTruth.add(k);
      else for (const k of shared) owner.set(k, people[0]!.id);
      households.push({ people, shared });
    }
    const events: string[][] = [];
    for (let i = 0; i < 20_000; i++) {
      const home = pick(households);
      const person = pick(home.people);
      const carried = [pick(person.own)];
      if (random() < 0.4) carried.push(pick(person.own));
      if (random() < 0.15) carried.push(pick(home.shared));
      if (random() < 0.05 && home.people.length > 1) {
        // a tag handed to a housemate, seen with the housemate's loyalty id
        const other = pick(home.people.filter((p) => p !== person));
        const tag = `subject:tag-${other.id}`;
        sharedTruth.add(tag);
        owner.delete(tag);
        carried.push(tag);
      }
      events.push(random() < 0.5 ? carried : carried.reverse());
    }
    const r = new Resolver();
    for (let i = 0; i < events.length; i += 500) r.ingest(events.slice(i, i + 500));

    // A wrong merge: a profile holding identities that belong to two different people.
    const peopleByProfile = new Map<string, Set<string>>();
    for (const [key, entry] of r.known) {
      const person = owner.get(key);
      if (!person || sharedTruth.has(key)) continue;
      const set = peopleByProfile.get(entry.profileId) ?? new Set();
      set.add(person);
      peopleByProfile.set(entry.profileId, set);
    }
    const wrong = [...peopleByProfile.values()].filter((people) => people.size > 1);
    expect(wrong).toEqual([]);
    // and it still stitches: everyone whose loyalty id and phone were seen together
    // in an event ends with both in one profile
    let evidence = 0;
    let together = 0;
    for (const home of households)
      for (const person of home.people) {
        const [loyalty, phone] = [person.own[0]!, person.own[1]!];
        if (!events.some((e) => e.includes(loyalty) && e.includes(phone))) continue;
        evidence++;
        if (r.profileOf(loyalty) === r.profileOf(phone)) together++;
      }
    expect(evidence).toBeGreaterThan(20);
    expect(together).toBe(evidence);
  });
});

describe("placeholder identities", () => {
  it("never link people through a value every shopper shares", () => {
    const r = new Resolver();
    r.ingest([
      ["anonymous:none"],
      ["anonymous:none", "loyalty:A"],
      ["loyalty:B", "anonymous:none"],
      ["anonymous:"],
    ]);
    expect(r.profileOf("loyalty:A")).not.toBe(r.profileOf("loyalty:B"));
    expect(r.profileOf("anonymous:none")).not.toBe(r.profileOf("loyalty:A"));
    expect(r.known.get("anonymous:none")?.shared).toBe(true);
  });
});
