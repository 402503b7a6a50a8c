import type { Campaign, Catalogue, EdgeProfile, Identity, Segment, SyncChange } from "@proxima/shared";

export interface ApplyStats {
  /** changes that altered the cache */
  applied: number;
  /** changes that were already reflected (replays, older profile versions) */
  unchanged: number;
}

/** What a cache write has to mirror to storage, decided by the in-memory index. */
export interface CacheDelta {
  profiles: EdgeProfile[];
  deletedProfiles: string[];
  segments: Segment[];
  campaigns: Campaign[];
  deletedCampaigns: string[];
  catalogue: Catalogue | null;
}

const key = (type: string, value: string) => `${type}\u0000${value}`;

/**
 * The profile cache's in-memory index: profiles by id and by every identity, campaigns,
 * segments and the catalogue. Lookups are map reads (no I/O on the personalize path);
 * `apply` is idempotent — a page applied twice, or an older version of a profile
 * arriving after a newer one, changes nothing.
 */
export class ProfileIndex {
  private readonly profiles = new Map<string, EdgeProfile>();
  private readonly identities = new Map<string, string>();
  private readonly campaignMap = new Map<string, Campaign>();
  private readonly segmentMap = new Map<string, Segment>();
  private currentCatalogue: Catalogue | null = null;
  private campaignList: Campaign[] = [];

  get size(): number {
    return this.profiles.size;
  }

  byId(id: string): EdgeProfile | undefined {
    return this.profiles.get(id);
  }

  byIdentity(identity: Identity): EdgeProfile | undefined {
    const id = this.identities.get(key(identity.type, identity.value));
    return id === undefined ? undefined : this.profiles.get(id);
  }

  campaigns(): readonly Campaign[] {
    return this.campaignList;
  }

  segment(id: string): Segment | undefined {
    return this.segmentMap.get(id);
  }

  catalogue(): Catalogue | null {
    return this.currentCatalogue;
  }

  /** Loads rows read back from storage (already validated when they were written). */
  load(rows: {
    profiles: EdgeProfile[];
    campaigns: Campaign[];
    segments: Segment[];
    catalogue: Catalogue | null;
  }): void {
    for (const profile of rows.profiles) this.putProfile(profile);
    for (const campaign of rows.campaigns) this.campaignMap.set(campaign.id, campaign);
    for (const segment of rows.segments) this.segmentMap.set(segment.id, segment);
    this.currentCatalogue = rows.catalogue;
    this.campaignList = [...this.campaignMap.values()];
  }

  private putProfile(profile: EdgeProfile): void {
    const previous = this.profiles.get(profile.id);
    if (previous) this.dropIdentities(previous);
    this.profiles.set(profile.id, profile);
    for (const identity of profile.identities)
      this.identities.set(key(identity.type, identity.value), profile.id);
  }

  private dropIdentities(profile: EdgeProfile): void {
    for (const identity of profile.identities) {
      const k = key(identity.type, identity.value);
      if (this.identities.get(k) === profile.id) this.identities.delete(k);
    }
  }

  /** Applies sync changes in order; returns what storage must mirror. */
  apply(changes: readonly SyncChange[]): { stats: ApplyStats; delta: CacheDelta } {
    const delta: CacheDelta = {
      profiles: [],
      deletedProfiles: [],
      segments: [],
      campaigns: [],
      deletedCampaigns: [],
      catalogue: null,
    };
    const stats: ApplyStats = { applied: 0, unchanged: 0 };
    let campaignsChanged = false;
    for (const change of changes) {
      switch (change.kind) {
        case "profile.upsert": {
          const current = this.profiles.get(change.profile.id);
          // newest wins: a replayed or reordered page never rolls a profile back
          if (current && current.updatedAt >= change.profile.updatedAt) {
            stats.unchanged++;
            break;
          }
          this.putProfile(change.profile);
          delta.profiles.push(change.profile);
          stats.applied++;
          break;
        }
        case "profile.delete": {
          const current = this.profiles.get(change.id);
          if (!current) {
            stats.unchanged++;
            break;
          }
          this.dropIdentities(current);
          this.profiles.delete(change.id);
          delta.deletedProfiles.push(change.id);
          stats.applied++;
          break;
        }
        case "segment.upsert":
          this.segmentMap.set(change.segment.id, change.segment);
          delta.segments.push(change.segment);
          stats.applied++;
          break;
        case "campaign.upsert":
          this.campaignMap.set(change.campaign.id, change.campaign);
          delta.campaigns.push(change.campaign);
          campaignsChanged = true;
          stats.applied++;
          break;
        case "campaign.delete":
          if (this.campaignMap.delete(change.id)) {
            delta.deletedCampaigns.push(change.id);
            campaignsChanged = true;
            stats.applied++;
          } else stats.unchanged++;
          break;
        case "catalogue.replace":
          this.currentCatalogue = change.catalogue;
          delta.catalogue = change.catalogue;
          stats.applied++;
          break;
      }
    }
    if (campaignsChanged) this.campaignList = [...this.campaignMap.values()];
    return { stats, delta };
  }
}
