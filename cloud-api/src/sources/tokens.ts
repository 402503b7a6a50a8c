import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { err, ok, ProximaError, type Result } from "@proxima/shared";

/**
 * Source tokens: `pxs_<22 chars id>_<43 chars secret>`. Only the SHA-256 of the whole
 * token is stored; the token itself is printed once at creation. A plain (unsalted)
 * hash is enough because the secret is 256 random bits — nothing to brute-force — and
 * it lets a request's token be found with one indexed lookup.
 */
export const TOKEN_PREFIX = "pxs_";

export interface IssuedToken {
  /** public id (in `token list`, logs and `token revoke`) */
  id: string;
  /** shown once, never stored */
  token: string;
  hash: string;
}

export function issueToken(): IssuedToken {
  const id = randomBytes(16).toString("base64url");
  const secret = randomBytes(32).toString("base64url");
  const token = `${TOKEN_PREFIX}${id}_${secret}`;
  return { id, token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two hex hashes (equal length by construction). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The bearer token of an `Authorization` header, or an `unauthorized` error saying what is wrong. */
export function bearerToken(header: string | undefined): Result<string> {
  if (!header)
    return err(
      new ProximaError(
        "unauthorized",
        "missing Authorization: Bearer <token>; create one with proxima-cloud token create --source <kind>:<id>",
      ),
    );
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match || !match[1]!.startsWith(TOKEN_PREFIX))
    return err(new ProximaError("unauthorized", "Authorization must be Bearer pxs_… (a source token)"));
  return ok(match[1]!);
}

/** `gateway:gw-1` → `{kind: "gateway", id: "gw-1"}`. */
export function parseSourceRef(ref: string): Result<{ kind: string; id: string }> {
  const at = ref.indexOf(":");
  if (at <= 0 || at === ref.length - 1)
    return err(new ProximaError("bad_request", `source "${ref}" must be <kind>:<id>, e.g. gateway:gw-1`));
  return ok({ kind: ref.slice(0, at), id: ref.slice(at + 1) });
}
