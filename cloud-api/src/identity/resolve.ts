import type { Identity } from "@proxima/shared";

/**
 * Identity resolution: which profile each event belongs to, and which profiles the
 * identities seen together in one event stitch into. Pure — the store feeds it what
 * the database knows and applies the plan it returns in the same transaction.
 *
 * The rule (also in cloud-api/README.md), in short: identities seen together in one
 * event belong to one person, but only a person key (loyalty id, phone) links;
 * shareable identities (email, app install, beacon tag, anonymous session) never link
 * anything on their own; a profile never holds two values of one person key; every
 * merge is recorded and reversible.
 */
export const PERSON_KEYS: ReadonlySet<Identity["type"]> = new Set(["loyalty", "phone"]);

/** strength of an identity as evidence of who someone is */
const RANK: Record<Identity["type"], number> = {
  loyalty: 6,
  phone: 5,
  app: 4,
  email: 3,
  subject: 2,
  anonymous: 1,
};

const typeOf = (key: string) => key.slice(0, key.indexOf(":")) as Identity["type"];
export const rankOf = (key: string) => RANK[typeOf(key)] ?? 0;

export interface KnownIdentity {
  profileId: string;
  shared: boolean;
}

export interface ResolveInput {
  /** identity keys of each event, primary first */
  events: readonly (readonly string[])[];
  /** what the store knows about the batch's identity keys */
  known: ReadonlyMap<string, KnownIdentity>;
  /** every identity key of the profiles involved in multi-identity events */
  profileKeys: ReadonlyMap<string, readonly string[]>;
  newProfileId(): string;
  /** profile pairs an operator separated (`pairKey`): never stitched again automatically */
  blocked?: ReadonlySet<string>;
}

/**
 * Values some clients send when they have no identity ("none", "unknown", an empty
 * guest session…): every shopper shares them, so they are never an identity of anyone.
 */
const PLACEHOLDER_VALUES = new Set([
  "",
  "none",
  "null",
  "undefined",
  "unknown",
  "anonymous",
  "guest",
  "n/a",
  "-",
  "0",
]);
export const isPlaceholder = (key: string) =>
  PLACEHOLDER_VALUES.has(
    key
      .slice(key.indexOf(":") + 1)
      .trim()
      .toLowerCase(),
  );

export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

export interface MergePlan {
  winnerId: string;
  loserId: string;
  moved: string[];
}

export interface ResolvePlan {
  /** the profile each event belongs to, same order as the input */
  eventProfiles: string[];
  /**
   * the identity each event is filed under: the one that decided its profile (the
   * strongest known, else the first new one, else the primary), so a family email
   * riding along with someone's loyalty id never files their event under the family
   */
  eventOwners: string[];
  newProfiles: string[];
  /** `shared` is set for placeholder values (see PLACEHOLDER_VALUES) */
  newIdentities: { key: string; profileId: string; shared?: boolean }[];
  merges: MergePlan[];
  /** keys to flag `shared` (a refused merge ran through them) */
  shared: string[];
  /** profiles whose identities changed (their gateway copies must be refreshed) */
  changedProfiles: Set<string>;
}

/** True if merging would give one profile two different values of a person key. */
export function conflicts(a: Iterable<string>, b: Iterable<string>): boolean {
  const seen = new Map<string, string>();
  for (const key of [...a, ...b]) {
    const type = typeOf(key);
    if (!PERSON_KEYS.has(type)) continue;
    const other = seen.get(type);
    if (other !== undefined && other !== key) return true;
    seen.set(type, key);
  }
  return false;
}

export function resolve(input: ResolveInput): ResolvePlan {
  const known = new Map(input.known);
  const keysOf = new Map<string, Set<string>>();
  for (const [profile, keys] of input.profileKeys) keysOf.set(profile, new Set(keys));
  const plan: ResolvePlan = {
    eventProfiles: [],
    eventOwners: [],
    newProfiles: [],
    newIdentities: [],
    merges: [],
    shared: [],
    changedProfiles: new Set(),
  };
  const profileKeys = (profile: string) => {
    let keys = keysOf.get(profile);
    if (!keys) {
      keys = new Set();
      keysOf.set(profile, keys);
    }
    return keys;
  };

  for (const rawKeys of input.events) {
    const all = [...new Set(rawKeys)];
    const unique = all.filter((k) => !isPlaceholder(k));
    if (unique.length === 0) {
      // Only a placeholder ("anonymous:none"): one shared bucket that never links.
      const bucket = all[0]!;
      let profile = known.get(bucket)?.profileId;
      if (!profile) {
        profile = input.newProfileId();
        plan.newProfiles.push(profile);
        known.set(bucket, { profileId: profile, shared: true });
        plan.newIdentities.push({ key: bucket, profileId: profile, shared: true });
      }
      plan.eventProfiles.push(profile);
      plan.eventOwners.push(bucket);
      continue;
    }
    const primary = unique[0]!;
    // Without a person key in the event, nothing links: only the primary identity counts.
    const keys = unique.some((k) => PERSON_KEYS.has(typeOf(k))) ? unique : [primary];
    const fresh = keys.filter((k) => !known.has(k));
    const linking = keys.filter((k) => {
      const entry = known.get(k);
      return entry !== undefined && !entry.shared;
    });

    const attachFresh = (profile: string) => {
      for (const k of fresh) {
        known.set(k, { profileId: profile, shared: false });
        profileKeys(profile).add(k);
        plan.newIdentities.push({ key: k, profileId: profile });
      }
      if (fresh.length > 0) plan.changedProfiles.add(profile);
    };
    const markShared = (key: string, profile: string) => {
      known.set(key, { profileId: profile, shared: true });
      if (!plan.shared.includes(key)) plan.shared.push(key);
    };
    const strongest = (list: string[]) =>
      list.reduce((best, k) => (rankOf(k) > rankOf(best) ? k : best), list[0]!);

    let target: string;
    let owner = primary;
    if (linking.length > 0) {
      // the strongest known identity decides; ties go to the earliest (the primary first)
      const best = strongest(linking);
      target = known.get(best)!.profileId;
      owner = best;
      const isPerson = (k: string) => PERSON_KEYS.has(typeOf(k));
      if (fresh.length > 0 && (conflicts(profileKeys(target), fresh) || !isPerson(best))) {
        // The new identities are someone the known profile cannot be (it holds another
        // loyalty id or phone), or a person identifying where only shareable
        // identities (a tablet, a family email, a tag) link to a known profile: they
        // start a profile of their own; the loop below decides who joins it.
        target = input.newProfileId();
        plan.newProfiles.push(target);
        owner = strongest(fresh);
      }
      attachFresh(target);
      const targetRank = Math.max(...keys.filter((k) => known.get(k)?.profileId === target).map(rankOf));
      for (const k of linking) {
        const other = known.get(k)!.profileId;
        if (other === target) continue;
        const otherKeys = profileKeys(other);
        // Only a person key brings in a profile that has one: a shareable identity may
        // belong to both people without anything showing it.
        if (!isPerson(k) && [...otherKeys].some(isPerson)) {
          // seen with two people's person keys: that is proof it is shared
          if (conflicts(profileKeys(target), otherKeys)) markShared(k, other);
          continue;
        }
        if (input.blocked?.has(pairKey(target, other)) || conflicts(profileKeys(target), otherKeys)) {
          // Refused (two loyalty ids or phones, or an operator separated them): the weaker
          // identity that tried to join two people is shared.
          for (const linkKey of linking)
            if (known.get(linkKey)!.profileId === other && rankOf(linkKey) < targetRank)
              markShared(linkKey, other);
          continue;
        }
        const moved = [...otherKeys];
        for (const movedKey of moved) {
          const entry = known.get(movedKey);
          known.set(movedKey, { profileId: target, shared: entry?.shared ?? false });
          profileKeys(target).add(movedKey);
        }
        keysOf.delete(other);
        plan.merges.push({ winnerId: target, loserId: other, moved });
        plan.changedProfiles.add(target);
        plan.changedProfiles.add(other);
      }
    } else if (fresh.length > 0) {
      target = input.newProfileId();
      owner = fresh[0]!;
      plan.newProfiles.push(target);
      attachFresh(target);
    } else {
      // only shared identities: the event stays with the primary's profile, nothing stitches
      target = known.get(primary)!.profileId;
    }

    const primaryNow = known.get(primary)!;
    plan.eventProfiles.push(target);
    plan.eventOwners.push(primaryNow.profileId === target && !primaryNow.shared ? primary : owner);
  }

  // A merge can re-home identities that an earlier event in the batch created: the
  // final owner is what gets written.
  for (const identity of plan.newIdentities) identity.profileId = known.get(identity.key)!.profileId;
  for (let i = 0; i < plan.eventProfiles.length; i++) {
    plan.eventProfiles[i] = finalProfile(plan, plan.eventProfiles[i]!);
  }
  return plan;
}

/** follows merges made later in the batch to the profile an event ends up in */
function finalProfile(plan: ResolvePlan, profile: string): string {
  let current = profile;
  for (let guard = 0; guard < plan.merges.length + 1; guard++) {
    const merge = plan.merges.find((m) => m.loserId === current);
    if (!merge) return current;
    current = merge.winnerId;
  }
  return current;
}
