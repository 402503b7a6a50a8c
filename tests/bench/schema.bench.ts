/**
 * Schema validation throughput of the event envelope: what every gateway and the cloud
 * pay per event at each boundary. Baseline in the same run: JSON.parse of the same
 * bytes, so `ratioToJsonParse` says what validation adds to plain decoding.
 */
import { decodeJson, EventEnvelope, newId } from "@proxima/shared";
import { benchOptions, report, throughput } from "./report.js";

const options = benchOptions();
const N = 10_000;
const kinds = [
  "presence.enter",
  "offer.accepted",
  "pour.completed",
  "feedback.submitted",
  "email.opened",
] as const;
const events = Array.from({ length: N }, (_, i) => {
  const type = kinds[i % kinds.length]!;
  const data: Record<string, unknown> =
    type === "presence.enter"
      ? { zone: "kiosk-1", scanner: "gw-c" }
      : type === "offer.accepted"
        ? { decisionId: newId(), offerId: `offer-${i % 50}`, campaignId: "summer", variant: "B" }
        : type === "feedback.submitted"
          ? { rating: (i % 5) + 1, reasons: ["taste"] }
          : { productId: `p-${i % 100}`, ml: 400 };
  return {
    id: newId(1_732_262_400_000 + i),
    ts: 1_732_262_400_000 + i,
    venueId: "store-042",
    source: { kind: "kiosk", id: "kiosk-1" },
    type,
    identity: { type: "loyalty", value: `L-${100000 + (i % 5000)}` },
    data,
  };
});
const lines = events.map((e) => JSON.stringify(e));

let sink = 0;
const validatePerSec = throughput(() => {
  for (const e of events) if (EventEnvelope.safeParse(e).success) sink++;
  return N;
}, 2000);
const decodePerSec = throughput(() => {
  for (const line of lines) if (decodeJson(EventEnvelope, line, "event").ok) sink++;
  return N;
}, 2000);
const jsonParsePerSec = throughput(() => {
  for (const line of lines) if (JSON.parse(line)) sink++;
  return N;
}, 2000);
if (sink === 0) throw new Error("nothing validated");

report(
  "schema: EventEnvelope validation",
  {
    eventsPerSec: Math.round(validatePerSec),
    decodeEventsPerSec: Math.round(decodePerSec),
    jsonParseEventsPerSec: Math.round(jsonParsePerSec),
    ratioToJsonParse: Number((decodePerSec / jsonParsePerSec).toFixed(3)),
  },
  options,
);
