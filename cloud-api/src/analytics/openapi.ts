import {
  CompareQuery,
  CompareResponse,
  CustomerMetricsQuery,
  CustomerMetricsResponse,
  FOOTFALL_FORMATS,
  FootfallColumnsResponse,
  FootfallRangeResponse,
  FunnelResponse,
  HeatmapResponse,
  LoginRequest,
  OccupancySnapshot,
  SessionInfo,
  Venue,
  VenueList,
  VenueRangeQuery,
  VenueRecord,
} from "@proxima/shared";
import type { z } from "zod";
import { type JsonObject, queryParameters, ref } from "../openapi/parameters.js";

/**
 * The analytics, venue and sign-in part of the OpenAPI document (the footfall contract
 * itself is documented with the shared `FootfallQuery`/`FootfallResponse`). The document
 * generator merges `schemas` into its components and `paths` into its paths.
 */
export const analyticsResponseSchemas = {
  FootfallRangeResponse,
  FootfallColumnsResponse,
  HeatmapResponse,
  FunnelResponse,
  CompareResponse,
  CustomerMetricsResponse,
  OccupancySnapshot,
  VenueList,
  VenueRecord,
  SessionInfo,
} as const;
export const analyticsRequestSchemas = { LoginRequest, Venue } as const;

/** `GET /v1/analytics/footfall`'s answer format (beside the contract query's parameters). */
export const footfallFormatParameter = {
  name: "format",
  in: "query",
  required: false,
  description:
    "rows (default): FootfallResponse, one object per bucket; columns: FootfallColumnsResponse, parallel arrays per zone (~5× smaller for 90 days hourly)",
  schema: { type: "string", enum: [...FOOTFALL_FORMATS], default: "rows" },
};

const json = (schema: JsonObject) => ({ content: { "application/json": { schema } } });
const errors = {
  "401": { description: "not signed in", ...json(ref("ErrorBody")) },
  "403": { description: "this user may not read that venue", ...json(ref("ErrorBody")) },
};

const read = [{ session: [] }];
const venueParam = { name: "venueId", in: "path", required: true, schema: { type: "string" } };
const venueQuery = { name: "venueId", in: "query", required: true, schema: { type: "string" } };

function get(summary: string, schema: string, parameters: JsonObject[], description?: string): JsonObject {
  return {
    get: {
      tags: ["analytics"],
      summary,
      ...(description ? { description } : {}),
      security: read,
      parameters,
      responses: { "200": { description: summary, ...json(ref(schema)) }, ...errors },
    },
  };
}

export const analyticsPaths: Record<string, JsonObject> = {
  "/v1/analytics/heatmap": get(
    "busiest hours: mean unique visitors per venue-local weekday × hour",
    "HeatmapResponse",
    queryParameters(VenueRangeQuery as unknown as z.ZodObject),
  ),
  "/v1/analytics/funnel": get(
    "entrance → zone (same-day unique visitors) and zone → kiosk conversion",
    "FunnelResponse",
    queryParameters(VenueRangeQuery as unknown as z.ZodObject),
  ),
  "/v1/analytics/compare": get(
    "every readable venue: totals for the range and the equally long period before",
    "CompareResponse",
    queryParameters(CompareQuery as unknown as z.ZodObject),
  ),
  "/v1/analytics/customers": get(
    "customer metrics with their definitions, lifecycle stages and monthly trends",
    "CustomerMetricsResponse",
    queryParameters(CustomerMetricsQuery as unknown as z.ZodObject),
    "Without venueId: across all venues (admins and marketers only).",
  ),
  "/v1/analytics/occupancy": get("who is in which zone now", "OccupancySnapshot", [venueQuery]),
  "/v1/analytics/occupancy/stream": {
    get: {
      tags: ["analytics"],
      summary: "live occupancy as Server-Sent Events",
      description:
        "`event: occupancy` with an OccupancySnapshot as data: one at once, then one within ~100 ms of each presence change (a 1 s poll catches changes ingested by other instances or processes); `event: ping` every 15 s.",
      security: read,
      parameters: [venueQuery],
      responses: {
        "200": {
          description: "an event stream",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        ...errors,
      },
    },
  },
  "/v1/venues": {
    get: {
      tags: ["analytics"],
      summary: "venues this user may read",
      security: read,
      responses: { "200": { description: "venues", ...json(ref("VenueList")) }, "401": errors["401"] },
    },
  },
  "/v1/venues/{venueId}": {
    get: {
      tags: ["analytics"],
      summary: "a venue's file (floor plan, zones, time zone)",
      security: read,
      parameters: [venueParam],
      responses: { "200": { description: "the venue", ...json(ref("VenueRecord")) }, ...errors },
    },
    put: {
      tags: ["analytics"],
      summary: "register or update a venue file (admin)",
      security: [{ session: [], csrf: [] }],
      parameters: [venueParam],
      requestBody: { required: true, ...json(ref("VenueInput")) },
      responses: { "200": { description: "stored", ...json(ref("VenueRecord")) }, ...errors },
    },
  },
  "/v1/auth/login": {
    post: {
      tags: ["analytics"],
      summary: "sign in: sets the HttpOnly session cookie, answers the CSRF token",
      requestBody: { required: true, ...json(ref("LoginRequestInput")) },
      responses: {
        "200": { description: "signed in", ...json(ref("SessionInfo")) },
        "401": { description: "wrong email or password", ...json(ref("ErrorBody")) },
        "429": { description: "too many failed sign-ins (Retry-After)", ...json(ref("ErrorBody")) },
      },
    },
  },
  "/v1/auth/me": {
    get: {
      tags: ["analytics"],
      summary: "the signed-in user and the session's CSRF token",
      security: read,
      responses: { "200": { description: "the session", ...json(ref("SessionInfo")) }, "401": errors["401"] },
    },
  },
  "/v1/auth/logout": {
    post: {
      tags: ["analytics"],
      summary: "sign out",
      security: [{ session: [], csrf: [] }],
      responses: { "204": { description: "signed out" }, "401": errors["401"] },
    },
  },
};
