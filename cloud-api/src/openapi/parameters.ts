import { z } from "zod";

export type JsonObject = Record<string, unknown>;

/** A `$ref` to a schema in the document's components. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * OpenAPI query parameters from a zod object schema: one parameter per field, its JSON
 * Schema as the request side sees it, required unless the field accepts undefined.
 */
export function queryParameters(
  schema: z.ZodObject,
  descriptions: Record<string, string> = {},
): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const fieldSchema = z.toJSONSchema(field as z.ZodType, {
      io: "input",
      unrepresentable: "any",
    }) as JsonObject;
    delete fieldSchema.$schema;
    return {
      name,
      in: "query",
      required: !(field as z.ZodType).safeParse(undefined).success,
      schema: fieldSchema,
      ...(descriptions[name] ? { description: descriptions[name] } : {}),
    };
  });
}
