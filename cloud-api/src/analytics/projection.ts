import type { EventEnvelope } from "@proxima/shared";
import type { AcceptedEvent, Projection } from "../store/port.js";
import { migrateAnalytics } from "./schema.js";
import type { Analytics } from "./service.js";
import type { Sql } from "./sql.js";

const CUSTOMER_IDENTITIES = new Set(["loyalty", "app", "email", "phone"]);

/** Events that name a customer (not only a tag) count under the profile the store resolved. */
function resolvedCustomer(profiles: Map<EventEnvelope, string>) {
  return (e: EventEnvelope) => {
    const ids = [e.identity, ...(e.identities ?? [])];
    return ids.some((i) => CUSTOMER_IDENTITIES.has(i.type)) ? profiles.get(e) : undefined;
  };
}

/**
 * Analytics as a store projection: runs inside each ingest batch's transaction on the
 * accepted events only (duplicates never reach it), so rollups cannot drift from the
 * events; live-occupancy streams are woken after the batch.
 */
export function analyticsProjection(analytics: Analytics): Projection {
  return {
    name: "analytics",
    migrate: (sql: Sql) => migrateAnalytics(sql),
    async apply(tx: Sql, accepted: readonly AcceptedEvent[]) {
      const events = accepted.map((a) => a.event);
      const profiles = new Map(accepted.map((a) => [a.event, a.profileId]));
      await analytics.projectInto(tx, events, resolvedCustomer(profiles));
    },
    // Rollups are aggregates without personal data; what names a person goes.
    async erase(tx: Sql, person: { profileId: string; identityKeys: readonly string[] }) {
      const keys = [person.profileId, ...person.identityKeys];
      const marks = keys.map((_, i) => `$${i + 1}`).join(",");
      await tx.run(`DELETE FROM analytics_customer WHERE customer IN (${marks})`, keys);
      await tx.run(`DELETE FROM analytics_customer_month WHERE customer IN (${marks})`, keys);
      await tx.run(`DELETE FROM analytics_subject_day WHERE subject IN (${marks})`, keys);
      await tx.run(`DELETE FROM analytics_presence_now WHERE subject IN (${marks})`, keys);
    },
  };
}
