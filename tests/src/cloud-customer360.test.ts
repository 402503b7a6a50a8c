/**
 * The customer 360 story across real processes: the CLI imports a CRM file, gateways
 * and the call centre post events over HTTP, a manager reads the 360 view, an erasure
 * reaches the gateway's next sync. On SQLite (one instance) and on PostgreSQL with two
 * cloud-api instances behind "a load balancer" (requests alternate between them).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Customer360, type EventEnvelopeInput, newId, SyncPage } from "@proxima/shared";
import { afterAll, describe, expect, it } from "vitest";
import {
  createTempDatabase,
  packageBin,
  type RunningProcess,
  repoRoot,
  startProcess,
} from "../harness/index.js";

const cli = () => packageBin("cloud-api", "proxima-cloud");
const running: RunningProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  for (const cleanup of cleanups) await cleanup();
});

function run(args: string[], database: string, input?: string) {
  const result = spawnSync(process.execPath, [cli(), ...args], {
    cwd: repoRoot,
    env: { ...process.env, PROXIMA_DATABASE_URL: database, PROXIMA_LOG_LEVEL: "warn" },
    encoding: "utf8",
    input,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function token(database: string, source: string): string {
  const out = run(["token", "create", "--source", source, "--json"], database);
  expect(out.code, out.stderr).toBe(0);
  return (JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { token: string }).token;
}

const T0 = Date.UTC(2026, 10, 3, 12);
let n = 0;
const event = (
  input: Partial<EventEnvelopeInput> & Pick<EventEnvelopeInput, "type" | "identity" | "source">,
): EventEnvelopeInput => {
  n++;
  return { id: newId(T0 + n * 1000), ts: T0 + n * 1000, data: {}, ...input };
};

async function story(database: string, instances: number) {
  const dir = mkdtempSync(join(tmpdir(), "c360-e2e-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const gateway = token(database, "gateway:gw-1");
  const callCentre = token(database, "call_center:support");
  const added = run(
    [
      "user",
      "add",
      "--email",
      "ops@example.com",
      "--name",
      "Ops",
      "--role",
      "manager",
      "--venues",
      "store-042",
      "--password-stdin",
    ],
    database,
    "correct horse battery\n",
  );
  expect(added.code, added.stderr).toBe(0);

  // a CRM export with one bad row
  const csv = join(dir, "crm.csv");
  writeFileSync(
    csv,
    "loyalty,email,firstName,consentPersonalization\nL-9001,grace@example.com,Grace,yes\nL-9002,nope,Bad,yes\n",
  );
  const imported = run(["import", "customers", csv], database);
  expect(imported.code).toBe(1);
  expect(imported.stdout).toContain("2 rows, 1 imported, 0 unchanged, 1 rejected");
  expect(imported.stderr).toContain("line 3: email");
  expect(readFileSync(`${csv}.errors.csv`, "utf8")).toContain("3,");

  const servers = await Promise.all(
    Array.from({ length: instances }, () =>
      startProcess(cli(), {
        args: ["serve", "--port", "0"],
        env: { PROXIMA_DATABASE_URL: database, PROXIMA_LOG_LEVEL: "info" },
      }),
    ),
  );
  running.push(...servers);
  let turn = 0;
  const url = () => servers[turn++ % servers.length]!.url;
  const post = async (bearer: string, events: EventEnvelopeInput[], base = url()) => {
    const res = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { accepted: number; duplicates: number };
  };

  const kiosk = { kind: "kiosk" as const, id: "kiosk-1" };
  const visit = [
    event({
      type: "kiosk.identified",
      source: kiosk,
      venueId: "store-042",
      identity: { type: "loyalty", value: "L-9001" },
      identities: [{ type: "subject", value: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:9:1" }],
    }),
    event({
      type: "pour.completed",
      source: kiosk,
      venueId: "store-042",
      identity: { type: "loyalty", value: "L-9001" },
      data: { productId: "lemonade" },
    }),
  ];
  // the same batch to every instance at once (a retry racing the original): stored once
  const answers = await Promise.all(servers.map((s) => post(gateway, visit, s.url)));
  expect(answers.reduce((sum, a) => sum + a.accepted, 0)).toBe(2);
  expect(answers.reduce((sum, a) => sum + a.duplicates, 0)).toBe(2 * (servers.length - 1));
  await post(callCentre, [
    event({
      type: "call.note",
      source: { kind: "call_center", id: "support" },
      identity: { type: "phone", value: "+447700900999" },
      identities: [{ type: "loyalty", value: "L-9001" }],
      data: { note: "loves the lemonade" },
    }),
  ]);

  const login = await fetch(`${url()}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ops@example.com", password: "correct horse battery" }),
  });
  expect(login.status).toBe(200);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };

  const res = await fetch(`${url()}/v1/customers?identityType=email&value=grace@example.com`, {
    headers: { cookie },
  });
  expect(res.status).toBe(200);
  const grace = Customer360.parse(await res.json());
  expect(grace.profile.firstName).toBe("Grace");
  expect(grace.consent.personalization).toBe(true);
  expect(grace.identities.map((i) => i.type).sort()).toEqual(["email", "loyalty", "phone", "subject"]);
  // newest first; the import's events carry the time of the import (now)
  const types = grace.timeline.items.map((e) => e.type);
  expect(types.slice(0, 2).sort()).toEqual(["consent.updated", "profile.updated"]);
  expect(types.slice(2)).toEqual(["call.note", "pour.completed", "kiosk.identified"]);
  expect(grace.traits).toMatchObject({ favouriteProducts: ["lemonade"], visitCount: 1 });

  const sync = async (cursor = "") =>
    SyncPage.parse(
      await (
        await fetch(`${url()}/v1/sync/store-042/changes?cursor=${cursor}`, {
          headers: { authorization: `Bearer ${gateway}` },
        })
      ).json(),
    );
  const before = await sync();
  expect(before.changes).toContainEqual(
    expect.objectContaining({
      kind: "profile.upsert",
      profile: expect.objectContaining({ id: grace.id, firstName: "Grace" }),
    }),
  );
  const erased = await fetch(`${url()}/v1/customers/${grace.id}`, {
    method: "DELETE",
    headers: { cookie, "x-csrf-token": csrfToken },
  });
  expect(erased.status).toBe(200);
  expect((await fetch(`${url()}/v1/customers/${grace.id}`, { headers: { cookie } })).status).toBe(404);
  expect((await sync(before.cursor)).changes).toContainEqual({ kind: "profile.delete", id: grace.id });
  const health = (await (await fetch(`${url()}/health`)).json()) as { checks: { store: { ok: boolean } } };
  expect(health.checks.store.ok).toBe(true);
  const openapi = await fetch(`${url()}/openapi.json`);
  expect(((await openapi.json()) as { openapi: string }).openapi).toBe("3.1.0");
}

describe("customer 360 across processes", () => {
  it("on SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c360-sqlite-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await story(join(dir, "cloud.sqlite"), 1);
  });

  it("on PostgreSQL with two instances", async () => {
    const db = await createTempDatabase("proxima_c360");
    cleanups.push(async () => {
      await Promise.all(running.splice(0).map((p) => p.stop()));
      await db.drop();
    });
    await story(db.url, 2);
  });
});
