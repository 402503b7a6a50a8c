import { parseArgs } from "node:util";
import { systemClock } from "@proxima/shared";
import { openDashboardBackend } from "../analytics/mount.js";
import { UserStore } from "../auth/users.js";
import { SqlStore } from "../store/sql-store.js";
import { runLiveVenue } from "./live.js";
import { demoVenues, seedHistory } from "./seed.js";

export const DEMO_USAGE = `  proxima-cloud demo seed --venue-file F [--days 90] [--admin-email E --admin-password P] [--live] [--database URL]
                         register the demo venues, fold simulated history into analytics (once), create the first admin;
                         --live keeps the second venue moving until stopped`;

export async function demoCommand(args: string[], databaseUrl: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "venue-file": { type: "string" },
      days: { type: "string", default: "90" },
      "admin-email": { type: "string" },
      "admin-password": { type: "string" },
      live: { type: "boolean" },
      database: { type: "string" },
    },
  });
  if (positionals[0] !== "seed" || !values["venue-file"]) {
    console.error(`usage:\n${DEMO_USAGE}`);
    return 2;
  }
  const store = await SqlStore.open(values.database ?? databaseUrl);
  const { sql, analytics } = await openDashboardBackend({ store, clock: systemClock });
  await store.migrateProjections();
  const venues = demoVenues(values["venue-file"]);
  const seeded = await sql.all<{ n: number }>(
    "SELECT COUNT(*) AS n FROM analytics_zone_day WHERE venue_id = $1",
    [venues[0]!.venueId],
  );
  if (Number(seeded[0]?.n ?? 0) === 0) {
    const result = await seedHistory({
      analytics,
      venues,
      days: Number(values.days),
      ingest: (events) => store.ingest(events),
    });
    console.log(JSON.stringify({ msg: "history seeded", events: result.events, ms: Math.round(result.ms) }));
  } else {
    for (const venue of venues) await analytics.venues.put(venue, systemClock.now());
    console.log(JSON.stringify({ msg: "history already seeded" }));
  }
  const users = new UserStore(sql);
  await users.migrate();
  if (values["admin-email"] && values["admin-password"]) {
    const existing = await users.byEmail(values["admin-email"]);
    if (!existing)
      await users.add(
        {
          email: values["admin-email"],
          name: "Demo admin",
          role: "admin",
          password: values["admin-password"],
        },
        systemClock.now(),
      );
    console.log(JSON.stringify({ msg: "admin ready", email: values["admin-email"] }));
  }
  if (!values.live) {
    await store.close();
    return 0;
  }
  const live = runLiveVenue((events) => store.ingest(events), venues[1]!);
  console.log(JSON.stringify({ msg: "live venue moving", venueId: venues[1]!.venueId }));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  live.stop();
  await store.close();
  return 0;
}
