import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeJson, ProximaError } from "@proxima/shared";
import { z } from "zod";

/**
 * Who may connect to the gateway's broker. `kiosk` is a touchscreen (its own topics
 * only), `scanner` a satellite radio (its own sightings only), `service` a trusted
 * process on the venue network (signage, diagnostics) with full access.
 */
export const CLIENT_ROLES = ["kiosk", "scanner", "service"] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];

/** scrypt parameters (RFC 7914): N=2^14, r=8, p=1 is ~40 ms on a Pi 4, 16 MiB of memory. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

const MAX_SCRYPT = 2;
const MAX_SCRYPT_QUEUE = 32;

const StoredCredential = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  role: z.enum(CLIENT_ROLES),
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`: the secret itself is never stored */
  hash: z.string().startsWith("scrypt$"),
  createdAt: z.number().int().nonnegative(),
  revokedAt: z.number().int().nonnegative().optional(),
});
export type StoredCredential = z.infer<typeof StoredCredential>;

const CredentialsFile = z.object({ version: z.literal(1), clients: z.array(StoredCredential) });

export interface CredentialSummary {
  id: string;
  role: ClientRole;
  createdAt: number;
  revokedAt?: number;
}

function scryptAsync(secret: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, SCRYPT.keyLength, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(secret, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Per-client broker credentials in `<dataDir>/kiosks.json`, hashed with scrypt. The CLI
 * (`proxima-gateway kiosk add|list|revoke`) edits the file; a running gateway notices
 * the change (mtime) on the next connect, so a revoked kiosk cannot come back.
 *
 * scrypt is deliberately slow, so a secret that verified once is remembered as a salted
 * SHA-256 in memory: reconnect storms (a kiosk on flaky Wi-Fi) cost microseconds, a
 * wrong password still pays the full scrypt price.
 */
export class CredentialStore {
  private clients = new Map<string, StoredCredential>();
  private mtimeMs = -1;
  private readonly verified = new Map<string, string>();
  private readonly pepper = randomBytes(16);
  /** scrypt runs on libuv's small thread pool, which SQLite (outbox, cache) needs too */
  private scryptRunning = 0;
  private readonly scryptWaiting: (() => void)[] = [];

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<CredentialStore> {
    const store = new CredentialStore(path);
    await store.reload();
    return store;
  }

  /** Re-reads the file when it changed on disk (cheap: one stat). */
  async refresh(): Promise<void> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.path)).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    if (mtimeMs !== this.mtimeMs) await this.reload();
  }

  private async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
      this.mtimeMs = (await stat(this.path)).mtimeMs;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
      this.clients = new Map();
      this.mtimeMs = 0;
      this.verified.clear();
      return;
    }
    const parsed = decodeJson(CredentialsFile, text, `credentials file ${this.path}`);
    if (!parsed.ok)
      throw new ProximaError(
        "bad_config",
        `${parsed.error.message}; restore it, or remove it and add the kiosks again`,
      );
    this.clients = new Map(parsed.value.clients.map((c) => [c.id, c]));
    this.verified.clear();
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const body = { version: 1, clients: [...this.clients.values()] };
    // 0600: hashes are not secrets, but nobody else on the Pi needs to read them
    await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
    this.mtimeMs = (await stat(this.path)).mtimeMs;
    this.verified.clear();
  }

  /** Creates (or re-keys) a client; returns the generated secret, which is shown once and never stored. */
  async add(id: string, role: ClientRole, now: number): Promise<string> {
    if (!StoredCredential.shape.id.safeParse(id).success)
      throw new ProximaError("bad_request", `"${id}" is not a valid client id (letters, digits, . _ -)`);
    await this.refresh();
    const secret = randomBytes(18).toString("base64url");
    this.clients.set(id, { id, role, hash: await hashSecret(secret), createdAt: now });
    await this.save();
    return secret;
  }

  async revoke(id: string, now: number): Promise<boolean> {
    await this.refresh();
    const client = this.clients.get(id);
    if (!client || client.revokedAt !== undefined) return false;
    this.clients.set(id, { ...client, revokedAt: now });
    await this.save();
    return true;
  }

  list(): CredentialSummary[] {
    return [...this.clients.values()].map(({ id, role, createdAt, revokedAt }) =>
      revokedAt === undefined ? { id, role, createdAt } : { id, role, createdAt, revokedAt },
    );
  }

  /** The active (not revoked) client with this id, if any. */
  active(id: string): StoredCredential | undefined {
    const client = this.clients.get(id);
    return client && client.revokedAt === undefined ? client : undefined;
  }

  /**
   * At most MAX_SCRYPT verifications at once and MAX_SCRYPT_QUEUE waiting: a flood of
   * wrong passwords is refused (`rate_limited`) instead of starving the disk writes
   * that share the thread pool.
   */
  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.scryptRunning >= MAX_SCRYPT) {
      if (this.scryptWaiting.length >= MAX_SCRYPT_QUEUE)
        throw new ProximaError("rate_limited", "too many credential checks at once; try again shortly");
      await new Promise<void>((resolve) => this.scryptWaiting.push(resolve));
    }
    this.scryptRunning++;
    try {
      return await task();
    } finally {
      this.scryptRunning--;
      this.scryptWaiting.shift()?.();
    }
  }

  /** The role of `id` if `secret` is its current secret; null otherwise (unknown, revoked, wrong). */
  async verify(id: string, secret: string): Promise<ClientRole | null> {
    await this.refresh();
    const client = this.active(id);
    if (!client) return null;
    const fingerprint = createHash("sha256").update(this.pepper).update(secret).digest("base64");
    if (this.verified.get(id) === fingerprint) return client.role;
    if (!(await this.limited(() => verifySecret(secret, client.hash)))) return null;
    // the file may have changed while scrypt ran
    if (this.active(id)?.hash !== client.hash) return null;
    this.verified.set(id, fingerprint);
    return client.role;
  }
}
