import type {
  Customer360,
  CustomerExport,
  ErasureReceipt,
  EventEnvelopeInput,
  FootfallResponse,
  Health,
  IngestResponse,
  MergeRecord,
  SyncPage,
} from "@proxima/shared";

/** Request and response examples of the OpenAPI document (each checked against its schema by a test). */
const profileId = "01970c3e-5a00-7a4b-9c1d-2f3e4a5b6c7d";
const pour: EventEnvelopeInput = {
  id: "01970c3e-6b10-7c2d-8e3f-4a5b6c7d8e9f",
  ts: 1764093600000,
  venueId: "store-042",
  source: { kind: "kiosk", id: "kiosk-1" },
  type: "pour.completed",
  identity: { type: "loyalty", value: "L-100234" },
  data: { productId: "cola-cherry", flavourIds: ["cherry"] },
};
const emailOpen: EventEnvelopeInput = {
  id: "01970c1a-2b00-7d4e-9f10-1a2b3c4d5e6f",
  ts: 1764091200000,
  source: { kind: "email", id: "newsletter" },
  type: "email.opened",
  identity: { type: "email", value: "ada@example.com" },
  data: { campaignId: "summer" },
};
const call: EventEnvelopeInput = {
  id: "01970b00-0000-7a00-8b00-0c0d0e0f1011",
  ts: 1764000000000,
  source: { kind: "call_center", id: "support" },
  type: "call.note",
  identity: { type: "phone", value: "+447700900123" },
  identities: [{ type: "loyalty", value: "L-100234" }],
  data: { note: "asked about the cherry syrup" },
};

const customer: Customer360 = {
  id: profileId,
  createdAt: 1761955200000,
  updatedAt: 1764093600000,
  profile: { firstName: "Ada", lastName: "Lovelace" },
  identities: [
    { type: "loyalty", value: "L-100234", firstSeen: 1761955200000, lastSeen: 1764093600000 },
    { type: "email", value: "ada@example.com", firstSeen: 1762000000000, lastSeen: 1764091200000 },
    { type: "phone", value: "+447700900123", firstSeen: 1764000000000, lastSeen: 1764000000000 },
    {
      type: "subject",
      value: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7",
      firstSeen: 1761955200000,
      lastSeen: 1764093000000,
    },
  ],
  consent: { personalization: true, location: true, marketing: false },
  traits: {
    firstVisit: 1761955200000,
    lastVisit: 1764028800000,
    visitCount: 9,
    visitsPerMonth: 3.4,
    favouriteProducts: ["cola-cherry", "lemonade"],
    favouriteFlavours: ["cherry"],
    purchases: 7,
    revenue: 24.5,
    servicingCost: 4.35,
    profitability: 20.15,
    rfm: { recency: 5, frequency: 3, monetary: 3, score: "533" },
    lifecycleStage: "loyalty",
    satisfaction: { average: 4.5, ratings: 2 },
  },
  segments: ["lunch-regulars"],
  timeline: {
    items: [pour, emailOpen, call] as Customer360["timeline"]["items"],
    nextCursor: "1764000000000_01970b00-0000-7a00-8b00-0c0d0e0f1011",
  },
};

const merge: MergeRecord = {
  id: "01970c3f-0000-7000-8000-000000000001",
  winnerId: profileId,
  loserId: "01970a00-0000-7000-8000-000000000002",
  moved: ["anonymous:kiosk-session-81f2"],
  reason: "identities seen together in one event",
  at: 1764093600000,
  reversedAt: null,
};

const erasure: ErasureReceipt = {
  profileId,
  erasedAt: 1764100000000,
  identities: 4,
  events: 212,
  venuesNotified: 2,
};

const syncPage: SyncPage = {
  cursor: "18231",
  hasMore: false,
  changes: [
    {
      kind: "profile.upsert",
      profile: {
        id: profileId,
        firstName: "Ada",
        identities: [{ type: "loyalty", value: "L-100234" }],
        consent: { personalization: true, location: true, marketing: false },
        segments: ["lunch-regulars"],
        favourites: ["cola-cherry"],
        recent: [{ productId: "cola-cherry", ts: 1764093600000 }],
        lifecycleStage: "loyalty",
        updatedAt: 1764093600000,
      },
    },
    { kind: "profile.delete", id: "01970a00-0000-7000-8000-000000000009" },
  ],
};

const health: Health = {
  status: "ok",
  service: "proxima-cloud",
  version: "0.1.0",
  uptimeS: 1234.5,
  checks: {},
};
const ingestResponse: IngestResponse = {
  accepted: 2,
  duplicates: 0,
  rejected: [{ index: 2, code: "bad_request", message: "type: Invalid option" }],
};
const footfall: FootfallResponse = {
  venueId: "store-042",
  bucket: "hour",
  from: 1764064800000,
  to: 1764072000000,
  zones: [
    {
      zone: "entrance",
      buckets: [{ start: 1764064800000, visitors: 31, visits: 35, dwellP50Ms: 42000, dwellP90Ms: 120000 }],
    },
  ],
};
const exported: CustomerExport = {
  customer: { ...customer, timeline: { items: customer.timeline.items, nextCursor: null } },
  events: customer.timeline.items,
  merges: [merge],
};

export const examples = {
  customer,
  merge,
  erasure,
  syncPage,
  health,
  ingestRequest: { events: [pour, emailOpen, { ...call, type: "fax.sent" }] },
  ingestResponse,
  mergeRequest: {
    loserId: "01970a00-0000-7000-8000-000000000002",
    reason: "same person, confirmed on the phone",
  },
  consentUpdate: { marketing: false, location: true },
  consentAnswer: { id: profileId, consent: { personalization: true, location: true, marketing: false } },
  footfall,
  exported,
};
