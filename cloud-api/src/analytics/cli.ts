import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { decodeJson, systemClock, Venue } from "@proxima/shared";
import { Analytics } from "./service.js";
import { openSql } from "./sql.js";

export const VENUE_USAGE = `  proxima-cloud venue add <venue.json> [--database URL]   register or update a venue file (floor plan, zones, time zone)`;

/** `proxima-cloud venue add <file>`: tells the cloud a venue's file. */
export async function venueCommand(args: string[], databaseUrl: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { database: { type: "string" } },
  });
  const [sub, file] = positionals;
  if (sub !== "add" || !file) {
    console.error(`usage:\n${VENUE_USAGE}`);
    return 2;
  }
  const venue = decodeJson(Venue, readFileSync(file, "utf8"), `venue file ${file}`);
  if (!venue.ok) {
    console.error(venue.error.message);
    return 1;
  }
  const sql = await openSql(values.database ?? databaseUrl);
  try {
    const analytics = await Analytics.open({ sql });
    const stored = await analytics.venues.put(venue.value, systemClock.now());
    console.log(
      JSON.stringify({ msg: "venue registered", venueId: stored.venue.venueId, timeZone: stored.timeZone }),
    );
    return 0;
  } finally {
    await sql.close();
  }
}
