import { decodeJson, ProximaError } from "@proxima/shared";
import type { z } from "zod";

/** The answer for an unknown customer id, saying how to find one. */
export const customerNotFound = (id: string) =>
  new ProximaError(
    "not_found",
    `no customer ${id}; look one up with GET /v1/customers?identityType=…&value=…`,
  );

/** Reads a JSON body through its shared schema; a bad body throws its ProximaError for `onError`. */
export async function readBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  what: string,
): Promise<z.infer<S>> {
  const body = decodeJson(schema, await req.text(), what);
  if (!body.ok) throw body.error;
  return body.value;
}
