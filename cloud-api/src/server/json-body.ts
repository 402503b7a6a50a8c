import { decodeJson } from "@proxima/shared";
import type { z } from "zod";

/**
 * Reads a JSON request body through its shared schema; a body that is not JSON or does
 * not fit throws its ProximaError (400, saying what is wrong) for the app's `onError`.
 */
export async function readJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  what: string,
): Promise<z.infer<S>> {
  const body = decodeJson(schema, await req.text(), what);
  if (!body.ok) throw body.error;
  return body.value;
}
