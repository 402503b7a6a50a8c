/**
 * Several cloud-api instances starting at once on a fresh PostgreSQL database: every
 * one must come up. Regression: the projections' and sign-in tables were created
 * outside the migration lock, so two instances raced on CREATE TABLE and one died
 * with `duplicate key value violates unique constraint "pg_type_typname_nsp_index"`.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  createTempDatabase,
  packageBin,
  type RunningProcess,
  startProcess,
  type TempDatabase,
} from "../harness/index.js";

const running: RunningProcess[] = [];
let db: TempDatabase | undefined;

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await db?.drop();
});

describe("cloud start-up on one PostgreSQL", () => {
  it("brings up four instances started at the same moment on an empty database", async () => {
    db = await createTempDatabase("proxima_startup");
    const starts = Array.from({ length: 4 }, () =>
      startProcess(packageBin("cloud-api", "proxima-cloud"), {
        args: ["serve", "--port", "0"],
        env: { PROXIMA_DATABASE_URL: db!.url, PROXIMA_LOG_LEVEL: "info" },
      }),
    );
    const settled = await Promise.allSettled(starts);
    for (const result of settled) if (result.status === "fulfilled") running.push(result.value);
    const failures = settled.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    for (const instance of running) {
      const res = await fetch(`${instance.url}/health`);
      expect(res.status).toBe(200);
    }
  });
});
