import {
  ConsentUpdate,
  Customer360,
  CustomerExport,
  CustomerLookupQuery,
  ErasureReceipt,
  ErrorBody,
  EventEnvelope,
  FootfallQuery,
  FootfallResponse,
  Health,
  IngestResponse,
  MergeList,
  MergeRecord,
  MergeRequest,
  SyncPage,
  TimelineQuery,
} from "@proxima/shared";
import { z } from "zod";
import {
  analyticsPaths,
  analyticsRequestSchemas,
  analyticsResponseSchemas,
  footfallFormatParameter,
} from "../analytics/openapi.js";
import { examples } from "./examples.js";
import { type JsonObject, queryParameters, ref } from "./parameters.js";

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate every
 * request and response (zod 4's JSON Schema output is draft 2020-12, OpenAPI 3.1's
 * dialect). Examples are checked against those schemas by openapi.test.ts.
 */

/** `POST /v1/events` as documented: each element must be an EventEnvelope, validated one by one. */
const IngestBody = z.object({ events: z.array(EventEnvelope).min(1).max(10_000) });
const ConsentAnswer = z.object({ id: z.string(), consent: Customer360.shape.consent });
const Timeline = Customer360.shape.timeline;

const responseSchemas = {
  Customer360,
  EventEnvelope,
  IngestResponse,
  SyncPage,
  Health,
  ErrorBody,
  MergeRecord,
  MergeList,
  ErasureReceipt,
  CustomerExport,
  ConsentAnswer,
  Timeline,
  FootfallResponse,
  ...analyticsResponseSchemas,
} as const;
const requestSchemas = { IngestBody, ConsentUpdate, MergeRequest, ...analyticsRequestSchemas } as const;

function components(schemas: Record<string, z.ZodType>, io: "input" | "output", suffix = ""): JsonObject {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(schemas)) registry.add(schema, { id: `${name}${suffix}` });
  const out = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  for (const schema of Object.values(out.schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out.schemas;
}

const pathParam = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string" },
  description,
});

const json = (schema: JsonObject, example?: unknown) => ({
  content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
});

const error = (description: string, code: string, message: string) => ({
  description,
  ...json(ref("ErrorBody"), { error: { code, message } }),
});

const customerErrors = {
  "401": error("not signed in", "unauthorized", "sign in first (POST /v1/auth/login)"),
  "404": error(
    "no such customer",
    "not_found",
    "no customer 01970c3e-…; look one up with GET /v1/customers?identityType=…&value=…",
  ),
};

export function openApiDocument(version = "0.1.0"): JsonObject {
  const sessionRead = [{ session: [] }];
  const sessionWrite = [{ session: [], csrf: [] }];
  return {
    openapi: "3.1.0",
    info: {
      title: "Proxima cloud API",
      version,
      description:
        "Ingest from every channel, the customer 360 view, privacy (consent, export, erasure) and the deltas gateways pull. Errors are always `{error: {code, message}}`.",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "ingest", description: "events from gateways and every other channel" },
      { name: "sync", description: "what gateways pull" },
      { name: "customers", description: "the 360 view, merges, consent, export, erasure" },
      { name: "analytics", description: "footfall and customer metrics" },
      { name: "operations", description: "health and metrics" },
    ],
    paths: {
      "/health": {
        get: {
          tags: ["operations"],
          summary: "liveness and dependency checks",
          responses: {
            "200": { description: "healthy", ...json(ref("Health"), examples.health) },
            "503": { description: "a dependency is down", ...json(ref("Health")) },
          },
        },
      },
      "/metrics": {
        get: {
          tags: ["operations"],
          summary: "Prometheus metrics",
          responses: {
            "200": {
              description: "Prometheus text format",
              content: { "text/plain": { schema: { type: "string" } } },
            },
          },
        },
      },
      "/v1/events": {
        post: {
          tags: ["ingest"],
          summary: "ingest a batch of events",
          description:
            "Each event is validated on its own: a bad one is rejected with its index while the others are stored. Idempotent by event id: a replayed batch only counts duplicates.",
          security: [{ sourceToken: [] }],
          requestBody: { required: true, ...json(ref("IngestBodyInput"), examples.ingestRequest) },
          responses: {
            "200": {
              description: "what happened to each event",
              ...json(ref("IngestResponse"), examples.ingestResponse),
            },
            "400": error("not a batch at all", "bad_request", "invalid ingest request: events: Too small"),
            "401": error("missing or revoked token", "unauthorized", "unknown or revoked token"),
            "413": error("body too large", "payload_too_large", "body exceeds 8388608 bytes"),
          },
        },
      },
      "/v1/sync/{venueId}/changes": {
        get: {
          tags: ["sync"],
          summary: "changes for one venue since a cursor",
          security: [{ sourceToken: [] }],
          parameters: [
            pathParam("venueId", "the venue whose gateway asks"),
            {
              name: "cursor",
              in: "query",
              required: false,
              schema: { type: "string" },
              description: "the `cursor` of the previous page; empty for everything",
            },
            {
              name: "limit",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 1, maximum: 1000, default: 500 },
            },
          ],
          responses: {
            "200": {
              description: "one page of changes, oldest first",
              ...json(ref("SyncPage"), examples.syncPage),
            },
            "400": error(
              "a cursor this API never gave out",
              "bad_request",
              'cursor "x" is not one this API gave out; start again without one',
            ),
            "401": error("missing or revoked token", "unauthorized", "unknown or revoked token"),
          },
        },
      },
      "/v1/customers": {
        get: {
          tags: ["customers"],
          summary: "look a customer up by any identity",
          security: sessionRead,
          parameters: [
            ...queryParameters(CustomerLookupQuery, {
              value: "e.g. the loyalty number or the email address",
            }),
            ...queryParameters(TimelineQuery),
          ],
          responses: {
            "200": { description: "the 360 view", ...json(ref("Customer360"), examples.customer) },
            ...customerErrors,
          },
        },
      },
      "/v1/customers/{id}": {
        get: {
          tags: ["customers"],
          summary: "the 360 view of one customer",
          description: "A merged-away id answers the profile it was merged into.",
          security: sessionRead,
          parameters: [pathParam("id", "profile id"), ...queryParameters(TimelineQuery)],
          responses: {
            "200": { description: "the 360 view", ...json(ref("Customer360"), examples.customer) },
            ...customerErrors,
          },
        },
        delete: {
          tags: ["customers"],
          summary: "erase a customer (right to erasure)",
          description:
            "Deletes the profile, its identities, events, traits, consent and attributes; every venue that knew the person gets a `profile.delete` on its next sync.",
          security: sessionWrite,
          parameters: [pathParam("id", "profile id")],
          responses: {
            "200": { description: "what was erased", ...json(ref("ErasureReceipt"), examples.erasure) },
            ...customerErrors,
          },
        },
      },
      "/v1/customers/{id}/timeline": {
        get: {
          tags: ["customers"],
          summary: "the cross-channel timeline, newest first",
          security: sessionRead,
          parameters: [pathParam("id", "profile id"), ...queryParameters(TimelineQuery)],
          responses: {
            "200": { description: "one page", ...json(ref("Timeline"), examples.customer.timeline) },
            ...customerErrors,
          },
        },
      },
      "/v1/customers/{id}/merges": {
        get: {
          tags: ["customers"],
          summary: "merge history of a customer",
          security: sessionRead,
          parameters: [pathParam("id", "profile id")],
          responses: {
            "200": {
              description: "merges, newest first",
              ...json(ref("MergeList"), { merges: [examples.merge] }),
            },
          },
        },
        post: {
          tags: ["customers"],
          summary: "merge another profile into this one (operator)",
          security: sessionWrite,
          parameters: [pathParam("id", "the profile that stays")],
          requestBody: { required: true, ...json(ref("MergeRequestInput"), examples.mergeRequest) },
          responses: {
            "201": { description: "the merge", ...json(ref("MergeRecord"), examples.merge) },
            ...customerErrors,
            "409": error("already one profile", "conflict", "… is already part of …"),
          },
        },
      },
      "/v1/merges/{mergeId}/reverse": {
        post: {
          tags: ["customers"],
          summary: "reverse a merge (operator)",
          description:
            "The identities the merge moved go back to the merged-away profile; the two are never stitched automatically again.",
          security: sessionWrite,
          parameters: [pathParam("mergeId", "from the merge history")],
          responses: {
            "200": {
              description: "the reversed merge",
              ...json(ref("MergeRecord"), { ...examples.merge, reversedAt: 1764100000000 }),
            },
            "404": error("no such merge", "not_found", "no merge …"),
            "409": error("already reversed", "conflict", "merge … was already reversed"),
          },
        },
      },
      "/v1/customers/{id}/consent": {
        put: {
          tags: ["customers"],
          summary: "set consent per purpose",
          security: sessionWrite,
          parameters: [pathParam("id", "profile id")],
          requestBody: { required: true, ...json(ref("ConsentUpdateInput"), examples.consentUpdate) },
          responses: {
            "200": { description: "consent now", ...json(ref("ConsentAnswer"), examples.consentAnswer) },
            ...customerErrors,
          },
        },
      },
      "/v1/customers/{id}/export": {
        get: {
          tags: ["customers"],
          summary: "everything stored about one person (right of access)",
          security: sessionWrite,
          parameters: [pathParam("id", "profile id")],
          responses: {
            "200": { description: "the export", ...json(ref("CustomerExport"), examples.exported) },
            ...customerErrors,
          },
        },
      },
      "/v1/customers/export.ndjson": {
        get: {
          tags: ["customers"],
          summary: "every customer as NDJSON (360 view without the timeline, one per line)",
          security: sessionWrite,
          responses: {
            "200": {
              description: "one JSON object per line",
              content: {
                "application/x-ndjson": {
                  schema: { type: "string" },
                  example: `${JSON.stringify({ ...examples.customer, timeline: undefined })}\n`,
                },
              },
            },
          },
        },
      },
      "/v1/analytics/footfall": {
        get: {
          tags: ["analytics"],
          summary: "visitors, visits and dwell per zone and bucket",
          security: sessionRead,
          description:
            "`format=columns` answers `FootfallColumnsResponse` (the same figures as parallel arrays per zone, what the dashboard asks for); without it the contract `FootfallResponse`.",
          parameters: [...queryParameters(FootfallQuery as unknown as z.ZodObject), footfallFormatParameter],
          responses: {
            "200": {
              description: "footfall",
              ...json(
                { oneOf: [ref("FootfallResponse"), ref("FootfallColumnsResponse")] },
                examples.footfall,
              ),
            },
          },
        },
      },
      ...analyticsPaths,
    },
    components: {
      schemas: { ...components(responseSchemas, "output"), ...components(requestSchemas, "input", "Input") },
      securitySchemes: {
        sourceToken: {
          type: "http",
          scheme: "bearer",
          description: "a source token from `proxima-cloud token create --source <kind>:<id>`",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "proxima_session",
          description: "from POST /v1/auth/login",
        },
        csrf: {
          type: "apiKey",
          in: "header",
          name: "x-csrf-token",
          description: "the csrfToken of the session, on every unsafe request",
        },
      },
    },
  };
}

export const documentedSchemas = { ...responseSchemas, ...requestSchemas };
