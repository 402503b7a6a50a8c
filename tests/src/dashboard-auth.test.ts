/**
 * Sign-in and authorization of the dashboard API, through the real Hono app on a real
 * SQLite file: roles, a manager confined to their venues (by URL and by API), session
 * cookies, CSRF, and the sign-in rate limit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type DashboardBackend, openDashboardBackend } from "@proxima/cloud-api";
import { ManualClock, type Venue } from "@proxima/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "proxima-auth-"));
const clock = new ManualClock(Date.parse("2026-11-20T12:00:00Z"));
let backend: DashboardBackend;
let app: ReturnType<typeof createApp>["app"];

const venue = (venueId: string): Venue => ({
  venueId,
  name: venueId,
  timeZone: "Europe/Berlin",
  scanners: [{ id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } }],
  zones: [{ id: "entrance", name: "Entrance", kind: "entrance" }],
});

const PASSWORD = "correct horse battery";

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(email: string, password = PASSWORD, address = "10.0.0.1"): Promise<Response> {
  return app.request(
    "/v1/auth/login",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    },
    { incoming: { socket: { remoteAddress: address } } },
  );
}

async function session(email: string): Promise<Session> {
  const res = await signIn(email);
  expect(res.status).toBe(200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(";")[0]!, csrf: body.csrfToken };
}

const get = (s: Session | null, path: string) =>
  app.request(path, { headers: s ? { cookie: s.cookie } : {} });

beforeAll(async () => {
  backend = await openDashboardBackend({
    databaseUrl: join(dir, "cloud.sqlite"),
    clock,
    dashboardDir: join(dir, "none"),
  });
  ({ app } = createApp({ dashboard: backend }));
  await backend.analytics.venues.put(venue("store-042"), clock.now());
  await backend.analytics.venues.put(venue("store-017"), clock.now());
  const now = clock.now();
  await backend.users.add(
    { email: "admin@example.com", name: "Ada", role: "admin", password: PASSWORD },
    now,
  );
  await backend.users.add(
    { email: "mia@example.com", name: "Mia", role: "manager", password: PASSWORD, venues: ["store-042"] },
    now,
  );
  await backend.users.add(
    { email: "tom@example.com", name: "Tom", role: "technician", password: PASSWORD },
    now,
  );
});

afterAll(async () => {
  await backend?.sql.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("dashboard sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict session cookie and stores only a hash of it", async () => {
    const res = await signIn("ADMIN@example.com");
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^proxima_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const token = cookie.split(";")[0]!.split("=")[1]!;
    const stored = await backend.sql.all<{ token_hash: string }>("SELECT token_hash FROM auth_sessions");
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((r) => r.token_hash === token)).toBe(false);
    const users = await backend.sql.all<{ password_hash: string }>("SELECT password_hash FROM auth_users");
    for (const u of users) expect(u.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it("answers 401 without a session and for a wrong password, with the same message for an unknown email", async () => {
    expect((await get(null, "/v1/venues")).status).toBe(401);
    const wrong = await signIn("admin@example.com", "nope", "10.0.0.2");
    const unknown = await signIn("nobody@example.com", "nope", "10.0.0.3");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it("refuses sign-in sent as a form (cross-site form CSRF)", async () => {
    const res = await app.request("/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "email=admin%40example.com&password=x",
    });
    expect(res.status).toBe(400);
  });

  it("rate-limits failed sign-ins per address and per email", async () => {
    for (let i = 0; i < 5; i++)
      expect((await signIn("tom@example.com", "wrong", "10.9.9.9")).status).toBe(401);
    const limited = await signIn("tom@example.com", PASSWORD, "10.9.9.9");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // the email is locked from another address too, until the window passes
    expect((await signIn("tom@example.com", PASSWORD, "10.1.1.1")).status).toBe(429);
    clock.advance(16 * 60_000);
    expect((await signIn("tom@example.com", PASSWORD, "10.9.9.9")).status).toBe(200);
  });

  it("requires the CSRF token on unsafe requests", async () => {
    const admin = await session("admin@example.com");
    const body = JSON.stringify(venue("store-099"));
    const without = await app.request("/v1/venues/store-099", {
      method: "PUT",
      headers: { cookie: admin.cookie, "content-type": "application/json" },
      body,
    });
    expect(without.status).toBe(403);
    const withToken = await app.request("/v1/venues/store-099", {
      method: "PUT",
      headers: { cookie: admin.cookie, "content-type": "application/json", "x-csrf-token": admin.csrf },
      body,
    });
    expect(withToken.status).toBe(200);
  });

  it("ends the session on sign-out", async () => {
    const s = await session("admin@example.com");
    const out = await app.request("/v1/auth/logout", {
      method: "POST",
      headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
    });
    expect(out.status).toBe(204);
    expect((await get(s, "/v1/auth/me")).status).toBe(401);
  });
});

describe("a manager sees only their venues", () => {
  const range = `from=${Date.parse("2026-11-01T00:00:00Z")}&to=${Date.parse("2026-11-08T00:00:00Z")}`;

  it("lists only their venues", async () => {
    const mia = await session("mia@example.com");
    const body = (await (await get(mia, "/v1/venues")).json()) as { venues: { venueId: string }[] };
    expect(body.venues.map((v) => v.venueId)).toEqual(["store-042"]);
  });

  it("reads their own venue and gets 403 for another one on every endpoint", async () => {
    const mia = await session("mia@example.com");
    for (const path of [
      `/v1/analytics/footfall?venueId=store-042&${range}&bucket=day`,
      `/v1/analytics/heatmap?venueId=store-042&${range}`,
      `/v1/analytics/funnel?venueId=store-042&${range}`,
      `/v1/analytics/customers?venueId=store-042&${range}`,
      "/v1/analytics/occupancy?venueId=store-042",
      "/v1/venues/store-042",
    ])
      expect((await get(mia, path)).status, path).toBe(200);
    for (const path of [
      `/v1/analytics/footfall?venueId=store-017&${range}&bucket=day`,
      `/v1/analytics/heatmap?venueId=store-017&${range}`,
      `/v1/analytics/funnel?venueId=store-017&${range}`,
      `/v1/analytics/customers?venueId=store-017&${range}`,
      `/v1/analytics/customers?${range}`,
      "/v1/analytics/occupancy?venueId=store-017",
      "/v1/analytics/occupancy/stream?venueId=store-017",
      "/v1/venues/store-017",
    ]) {
      const res = await get(mia, path);
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    }
  });

  it("compares only the venues they may read", async () => {
    const mia = await session("mia@example.com");
    const body = (await (await get(mia, `/v1/analytics/compare?${range}`)).json()) as {
      venues: { venueId: string }[];
    };
    expect(body.venues.map((v) => v.venueId)).toEqual(["store-042"]);
  });

  it("may not register venues; a technician sees live occupancy but not footfall", async () => {
    const mia = await session("mia@example.com");
    const put = await app.request("/v1/venues/store-042", {
      method: "PUT",
      headers: { cookie: mia.cookie, "content-type": "application/json", "x-csrf-token": mia.csrf },
      body: JSON.stringify(venue("store-042")),
    });
    expect(put.status).toBe(403);
    const tom = await session("tom@example.com");
    expect((await get(tom, "/v1/analytics/occupancy?venueId=store-017")).status).toBe(200);
    expect((await get(tom, `/v1/analytics/footfall?venueId=store-017&${range}`)).status).toBe(403);
  });
});

describe("bad input", () => {
  it("answers 400 naming the field for malformed analytics queries", async () => {
    const admin = await session("admin@example.com");
    for (const [path, field] of [
      ["/v1/analytics/footfall?venueId=store-042&from=2000&to=1000", "to"],
      ["/v1/analytics/footfall?venueId=store-042&from=0&to=1000&bucket=month", "bucket"],
      ["/v1/analytics/footfall?venueId=store-042&from=yesterday&to=1000", "from"],
      ["/v1/analytics/footfall?venueId=a/b&from=0&to=1000", "venueId"],
      [`/v1/analytics/heatmap?venueId=store-042&from=0&to=${500 * 86_400_000}`, "to"],
      ["/v1/analytics/funnel?from=0&to=1000", "venueId"],
    ] as const) {
      const res = await get(admin, path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("bad_request");
      expect(body.error.message, path).toContain(field);
    }
  });

  it("refuses a venue file that fails its schema, listing every problem", async () => {
    const admin = await session("admin@example.com");
    const res = await app.request("/v1/venues/store-042", {
      method: "PUT",
      headers: { cookie: admin.cookie, "content-type": "application/json", "x-csrf-token": admin.csrf },
      body: JSON.stringify({ venueId: "store-042", name: "", scanners: [], zones: [] }),
    });
    expect(res.status).toBe(400);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    expect(message).toContain("name");
    expect(message).toContain("scanners");
  });

  it("says a body that is not JSON is not JSON, on sign-in and on a venue file", async () => {
    const admin = await session("admin@example.com");
    const venue = await app.request("/v1/venues/store-042", {
      method: "PUT",
      headers: { cookie: admin.cookie, "content-type": "application/json", "x-csrf-token": admin.csrf },
      body: '{"venueId": "store-042",',
    });
    const login = await app.request("/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    for (const [res, what] of [
      [venue, "venue file"],
      [login, "sign-in"],
    ] as const) {
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("bad_json");
      expect(error.message).toContain(`${what} is not valid JSON`);
    }
  });
});
