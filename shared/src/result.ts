import type { z } from "zod";
import { type ErrorCode, ProximaError } from "./errors.js";

/** Parsers of untrusted bytes return results instead of throwing. */
export type Result<T, E = ProximaError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** One line per problem, each naming the field: `zones[2].id: duplicate id "kiosk-1"`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Validates `input` against `schema`; failures become a `bad_request` ProximaError listing every problem. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: ErrorCode = "bad_request",
): Result<z.infer<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const problems = describeIssues(parsed.error);
  return err(new ProximaError(code, `invalid ${what}: ${problems.join("; ")}`, { problems }));
}

/** JSON.parse that returns a result: untrusted bytes never throw. */
export function parseJson(text: string | Uint8Array, what = "payload"): Result<unknown> {
  const source = typeof text === "string" ? text : new TextDecoder().decode(text);
  try {
    return ok(JSON.parse(source));
  } catch (cause) {
    return err(new ProximaError("bad_json", `${what} is not valid JSON: ${(cause as Error).message}`));
  }
}

/** parseJson then parseWith: the usual path for an MQTT payload or a JSONL line. */
export function decodeJson<S extends z.ZodType>(
  schema: S,
  bytes: string | Uint8Array,
  what: string,
): Result<z.infer<S>> {
  const json = parseJson(bytes, what);
  return json.ok ? parseWith(schema, json.value, what) : json;
}
