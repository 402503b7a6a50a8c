import { createHash, randomBytes } from "node:crypto";
import { newId, ProximaError, type SessionUser, type UserRole } from "@proxima/shared";
import type { Sql } from "../analytics/sql.js";
import { withMigrationLock } from "../store/migrations.js";
import { hashPassword } from "./passwords.js";

export const AUTH_DDL = `
CREATE TABLE IF NOT EXISTS auth_users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  venues TEXT,
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at);
`;

export const SESSION_TTL_MS = 12 * 3_600_000;

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  venues: string | null;
  password_hash: string;
}

const toUser = (r: UserRow): SessionUser => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  venues: r.role === "manager" ? (JSON.parse(r.venues ?? "[]") as string[]) : null,
});

/** Session tokens are stored hashed: a leaked table does not let anyone in. */
const tokenHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  password: string;
  /** venues a manager may read (ignored for other roles) */
  venues?: string[];
}

/** Users and their sessions, on the same SQL port as analytics (both adapters). */
export class UserStore {
  constructor(private readonly sql: Sql) {}

  async migrate(): Promise<void> {
    await withMigrationLock(this.sql, () => this.sql.exec(AUTH_DDL));
  }

  async add(user: NewUser, now: number): Promise<SessionUser> {
    const email = user.email.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email))
      throw new ProximaError("bad_request", `"${user.email}" is not an email address`);
    if (user.password.length < 10)
      throw new ProximaError("bad_request", "the password must have at least 10 characters");
    if (user.role === "manager" && (user.venues ?? []).length === 0)
      throw new ProximaError("bad_request", "a manager needs at least one venue (--venues store-042,…)");
    const existing = await this.sql.all<{ id: string }>("SELECT id FROM auth_users WHERE email = $1", [
      email,
    ]);
    if (existing.length > 0) throw new ProximaError("conflict", `a user with email ${email} already exists`);
    const id = newId(now);
    await this.sql.run(
      "INSERT INTO auth_users (id, email, name, role, venues, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [
        id,
        email,
        user.name,
        user.role,
        JSON.stringify(user.venues ?? []),
        await hashPassword(user.password),
        now,
      ],
    );
    return toUser({
      id,
      email,
      name: user.name,
      role: user.role,
      venues: JSON.stringify(user.venues ?? []),
      password_hash: "",
    });
  }

  async byEmail(email: string): Promise<{ user: SessionUser; passwordHash: string } | undefined> {
    const rows = await this.sql.all<UserRow>("SELECT * FROM auth_users WHERE email = $1", [
      email.trim().toLowerCase(),
    ]);
    const row = rows[0];
    return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
  }

  async count(): Promise<number> {
    const rows = await this.sql.all<{ n: number }>("SELECT COUNT(*) AS n FROM auth_users");
    return Number(rows[0]?.n ?? 0);
  }

  async createSession(userId: string, now: number): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(24).toString("base64url");
    await this.sql.run("DELETE FROM auth_sessions WHERE expires_at < $1", [now]);
    await this.sql.run(
      "INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      [tokenHash(token), userId, csrfToken, now, now + SESSION_TTL_MS],
    );
    return { token, csrfToken };
  }

  async session(token: string, now: number): Promise<{ user: SessionUser; csrfToken: string } | undefined> {
    const rows = await this.sql.all<UserRow & { csrf_token: string }>(
      `SELECT u.*, s.csrf_token FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash(token), now],
    );
    const row = rows[0];
    return row ? { user: toUser(row), csrfToken: row.csrf_token } : undefined;
  }

  async endSession(token: string): Promise<void> {
    await this.sql.run("DELETE FROM auth_sessions WHERE token_hash = $1", [tokenHash(token)]);
  }
}
