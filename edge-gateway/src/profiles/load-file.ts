import { readFile } from "node:fs/promises";
import {
  Campaign,
  Catalogue,
  EdgeProfile,
  err,
  ok,
  ProximaError,
  parseJson,
  parseWith,
  type Result,
  Segment,
  SyncChange,
  SyncPage,
} from "@proxima/shared";
import { z } from "zod";

/** A JSON bundle of what a venue needs: any of its parts may be missing. */
const Bundle = z.object({
  catalogue: Catalogue.optional(),
  segments: z.array(Segment).default([]),
  campaigns: z.array(Campaign).default([]),
  profiles: z.array(EdgeProfile).default([]),
});

const MAX_PROBLEMS = 20;

function bundleChanges(bundle: z.infer<typeof Bundle>): SyncChange[] {
  return [
    ...(bundle.catalogue ? [{ kind: "catalogue.replace" as const, catalogue: bundle.catalogue }] : []),
    ...bundle.segments.map((segment) => ({ kind: "segment.upsert" as const, segment })),
    ...bundle.campaigns.map((campaign) => ({ kind: "campaign.upsert" as const, campaign })),
    ...bundle.profiles.map((profile) => ({ kind: "profile.upsert" as const, profile })),
  ];
}

/**
 * Parses a file of profiles (and optionally segments, campaigns, a catalogue) into the
 * same `SyncChange`s the cloud sends, so loading a file and syncing share one path.
 *
 * Accepted: NDJSON with one `EdgeProfile` or one `SyncChange` per line; a JSON array of
 * profiles; a JSON `SyncPage`; a JSON bundle `{catalogue?, segments?, campaigns?, profiles?}`.
 * Any invalid line or field refuses the whole file, listing the problems with their place.
 */
export function parseProfileFile(text: string, name: string): Result<SyncChange[]> {
  const trimmed = text.trimStart();
  const looksNdjson = trimmed.startsWith("{") && /}\s*\r?\n\s*{/.test(trimmed);
  if (!looksNdjson) {
    const json = parseJson(text, name);
    if (!json.ok) return json;
    const value = json.value;
    if (Array.isArray(value)) {
      const profiles = parseWith(z.array(EdgeProfile), value, name);
      return profiles.ok
        ? ok(profiles.value.map((profile) => ({ kind: "profile.upsert", profile })))
        : profiles;
    }
    if (value && typeof value === "object" && "changes" in value) {
      const page = parseWith(SyncPage, value, name);
      return page.ok ? ok(page.value.changes) : page;
    }
    if (value && typeof value === "object" && "kind" in value) return parseNdjson(text, name);
    const bundle = parseWith(Bundle, value, name);
    return bundle.ok ? ok(bundleChanges(bundle.value)) : bundle;
  }
  return parseNdjson(text, name);
}

function parseNdjson(text: string, name: string): Result<SyncChange[]> {
  const changes: SyncChange[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const where = `${name} line ${i + 1}`;
    const json = parseJson(line, where);
    if (!json.ok) {
      problems.push(json.error.message);
      continue;
    }
    const isChange = typeof json.value === "object" && json.value !== null && "kind" in json.value;
    if (isChange) {
      const change = parseWith(SyncChange, json.value, where);
      if (change.ok) changes.push(change.value);
      else problems.push(change.error.message);
    } else {
      const profile = parseWith(EdgeProfile, json.value, where);
      if (profile.ok) changes.push({ kind: "profile.upsert", profile: profile.value });
      else problems.push(profile.error.message);
    }
  }
  if (problems.length > 0)
    return err(
      new ProximaError(
        "bad_request",
        `${name}: nothing loaded, fix these lines first:\n  ${problems.join("\n  ")}`,
        {
          problems,
        },
      ),
    );
  return ok(changes);
}

export async function readProfileFile(path: string): Promise<Result<SyncChange[]>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    return err(new ProximaError("not_found", `cannot read ${path}: ${(cause as Error).message}`));
  }
  return parseProfileFile(text, path);
}
