import { type Clock, LoginRequest, ProximaError, type SessionUser, type UserRole } from "@proxima/shared";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Logger } from "pino";
import { readJsonBody } from "../server/json-body.js";
import { DUMMY_HASH, verifyPassword } from "./passwords.js";
import { LoginRateLimiter } from "./rate-limit.js";
import { SESSION_TTL_MS, type UserStore } from "./users.js";

export const SESSION_COOKIE = "proxima_session";
export const CSRF_HEADER = "x-csrf-token";

export type AuthEnv = { Variables: { user: SessionUser; csrfToken: string } };

export interface AuthOptions {
  users: UserStore;
  clock: Clock;
  logger?: Logger;
  limiter?: LoginRateLimiter;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The client address as the socket saw it (a proxy in front should be trusted explicitly, not by header). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/**
 * Requires a signed-in user (session cookie). Unsafe methods must also carry the
 * session's CSRF token in `x-csrf-token` (synchronizer token): a cross-site form or
 * fetch cannot read it, and the cookie itself is SameSite=Strict and HttpOnly.
 */
export function requireUser(options: AuthOptions, roles?: readonly UserRole[]): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await options.users.session(token, options.clock.now()) : undefined;
    if (!session) throw new ProximaError("unauthorized", "sign in first (POST /v1/auth/login)");
    if (UNSAFE.has(c.req.method) && c.req.header(CSRF_HEADER) !== session.csrfToken)
      throw new ProximaError(
        "forbidden",
        `missing or wrong ${CSRF_HEADER} header; reload the page and try again`,
      );
    if (roles && !roles.includes(session.user.role))
      throw new ProximaError("forbidden", `the ${session.user.role} role may not do this`);
    c.set("user", session.user);
    c.set("csrfToken", session.csrfToken);
    await next();
  };
}

/** Whether `user` may read `venueId`: managers only their own venues. */
export function canReadVenue(user: SessionUser, venueId: string): boolean {
  return user.venues === null || user.venues.includes(venueId);
}

/** Throws forbidden (never "not found": the venue's existence is not secret to a signed-in user). */
export function assertVenue(user: SessionUser, venueId: string): void {
  if (!canReadVenue(user, venueId))
    throw new ProximaError("forbidden", `you may not read venue "${venueId}"; ask an admin for access`);
}

export function mountAuthRoutes(app: Hono, options: AuthOptions): void {
  const limiter = options.limiter ?? new LoginRateLimiter();

  app.post("/v1/auth/login", async (c) => {
    // Sign-in CSRF: a cross-site HTML form cannot send JSON, and a cross-site fetch with
    // JSON needs a CORS preflight this server never grants.
    if (!(c.req.header("content-type") ?? "").includes("application/json"))
      throw new ProximaError("bad_request", "send the credentials as JSON (content-type: application/json)");
    const now = options.clock.now();
    const body = await readJsonBody(c.req.raw, LoginRequest, "sign-in");
    const keys = [`addr:${clientAddress(c)}`, `email:${body.email.trim().toLowerCase()}`];
    const wait = Math.max(...keys.map((k) => limiter.retryAfter(k, now)));
    if (wait > 0) {
      c.header("retry-after", String(Math.ceil(wait / 1000)));
      throw new ProximaError(
        "rate_limited",
        `too many failed sign-ins; try again in ${Math.ceil(wait / 60_000)} min`,
      );
    }
    const found = await options.users.byEmail(body.email);
    const valid = await verifyPassword(body.password, found?.passwordHash ?? DUMMY_HASH);
    if (!found || !valid) {
      for (const k of keys) limiter.fail(k, now);
      options.logger?.warn({ email: body.email }, "sign-in failed");
      throw new ProximaError("unauthorized", "wrong email or password");
    }
    for (const k of keys) limiter.succeed(k);
    const session = await options.users.createSession(found.user.id, now);
    setCookie(c, SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      maxAge: SESSION_TTL_MS / 1000,
    });
    options.logger?.info({ userId: found.user.id, role: found.user.role }, "signed in");
    return c.json({ user: found.user, csrfToken: session.csrfToken });
  });

  app.post("/v1/auth/logout", requireUser(options), async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await options.users.endSession(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  app.get("/v1/auth/me", requireUser(options), (c) =>
    c.json({ user: c.get("user"), csrfToken: c.get("csrfToken") }),
  );
}
