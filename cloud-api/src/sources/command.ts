import { parseArgs } from "node:util";
import { SOURCE_KINDS } from "@proxima/shared";
import type { SourceKind, Store } from "../store/port.js";
import { issueToken, parseSourceRef } from "./tokens.js";

export const TOKEN_USAGE = `proxima-cloud token — bearer tokens for the sources that send events

Usage:
  proxima-cloud token create --source <kind>:<id> [--name N] [--venue V]   prints the token once
  proxima-cloud token list [--json]
  proxima-cloud token revoke <kind>:<id>

Kinds: ${SOURCE_KINDS.join(", ")}. A token is stored only as its SHA-256; lose it and
revoke the source, then create it again. --venue limits the source to one venue.
Options: --database URL (default: PROXIMA_DATABASE_URL, as for serve).`;

/** `proxima-cloud token …`: the store is opened by the caller (same database as `serve`). */
export async function tokenCommand(
  args: string[],
  openStore: (databaseOverride: string | undefined) => Promise<Store>,
): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      source: { type: "string" },
      name: { type: "string" },
      venue: { type: "string" },
      database: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (action !== "create" && action !== "list" && action !== "revoke") {
    console.error(action === undefined ? TOKEN_USAGE : `unknown token action "${action}"\n\n${TOKEN_USAGE}`);
    return action === undefined ? 0 : 2;
  }
  if (action === "create" && !values.source) {
    console.error(`token create needs --source <kind>:<id>, e.g. --source gateway:gw-1\n\n${TOKEN_USAGE}`);
    return 2;
  }
  if (action === "revoke" && positionals.length !== 1) {
    console.error("token revoke needs the source, e.g. proxima-cloud token revoke gateway:gw-1");
    return 2;
  }
  const store = await openStore(values.database);
  try {
    if (action === "create") {
      const ref = parseSourceRef(values.source!);
      if (!ref.ok) {
        console.error(ref.error.message);
        return 2;
      }
      if (!(SOURCE_KINDS as readonly string[]).includes(ref.value.kind)) {
        console.error(`unknown source kind "${ref.value.kind}"; one of ${SOURCE_KINDS.join(", ")}`);
        return 2;
      }
      const id = `${ref.value.kind}:${ref.value.id}`;
      const existing = (await store.listSources()).find((s) => s.id === id && s.revokedAt === null);
      if (existing) {
        console.error(`${id} already has a live token; revoke it first (proxima-cloud token revoke ${id})`);
        return 1;
      }
      const issued = issueToken();
      await store.createSource({
        id,
        kind: ref.value.kind as SourceKind,
        name: values.name ?? id,
        tokenHash: issued.hash,
        venueId: values.venue ?? null,
        createdAt: Date.now(),
      });
      if (values.json) console.log(JSON.stringify({ source: id, token: issued.token }));
      else {
        console.log(issued.token);
        console.error(`token for ${id} created; it is shown only now — store it in the source's config`);
      }
      return 0;
    }
    if (action === "list") {
      const sources = await store.listSources();
      if (values.json) {
        // hashes stay in the database
        console.log(JSON.stringify(sources.map(({ tokenHash: _hash, ...rest }) => rest)));
        return 0;
      }
      if (sources.length === 0)
        console.log("no sources yet: proxima-cloud token create --source <kind>:<id>");
      for (const s of sources)
        console.log(
          `${s.id.padEnd(28)} ${s.revokedAt === null ? "live   " : "revoked"} created ${new Date(s.createdAt).toISOString()}` +
            `${s.venueId ? ` venue ${s.venueId}` : ""}${s.name !== s.id ? `  ${s.name}` : ""}`,
        );
      return 0;
    }
    const revoked = await store.revokeSource(positionals[0]!, Date.now());
    if (!revoked) {
      console.error(`no live source ${positionals[0]} (see proxima-cloud token list)`);
      return 1;
    }
    console.log(`revoked ${positionals[0]}`);
    return 0;
  } finally {
    await store.close();
  }
}
