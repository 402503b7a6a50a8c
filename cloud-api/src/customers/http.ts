import { ProximaError } from "@proxima/shared";
import type { Context } from "hono";
import type { Store } from "../store/port.js";

/** The answer for an unknown customer id, saying how to find one. */
export const customerNotFound = (id: string) =>
  new ProximaError(
    "not_found",
    `no customer ${id}; look one up with GET /v1/customers?identityType=…&value=…`,
  );

/** The signed-in user's venues, when the guard signed someone in (null: every venue). */
function userVenues(c: Context): readonly string[] | null {
  const user = c.get("user") as { venues: string[] | null } | undefined;
  return user?.venues ?? null;
}

/**
 * Managers see the people known at their venues (someone active at several venues is
 * seen whole by each of their managers: that is the 360 view); for anyone else they get
 * the same answer as for an id that does not exist, so ids cannot be probed.
 */
export async function assertCustomerInScope(c: Context, store: Store, id: string): Promise<void> {
  const venues = userVenues(c);
  if (venues === null) return;
  const known = await store.venuesOf(id);
  if (!known.some((venue) => venues.includes(venue))) throw customerNotFound(id);
}

/** For what spans every customer (the NDJSON export, reversing a merge by its id): not for venue-scoped users. */
export function assertAllVenues(c: Context, what: string): void {
  if (userVenues(c) !== null) throw new ProximaError("forbidden", `${what} spans every venue; ask an admin`);
}
