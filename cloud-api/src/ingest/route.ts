import {
  describeIssues,
  type ErrorCode,
  EventEnvelope,
  IngestRequest,
  type IngestResponse,
  parseJson,
  parseWith,
} from "@proxima/shared";
import { Hono } from "hono";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { AuthenticatedSource, SourceAuth } from "../sources/auth.js";
import type { Store } from "../store/port.js";
import { type BodyLimits, readBody } from "./body.js";

export interface IngestRouteOptions {
  store: Pick<Store, "ingest">;
  auth: SourceAuth;
  logger?: Logger;
  registry?: Registry;
  limits?: Partial<BodyLimits>;
}

export const DEFAULT_LIMITS: BodyLimits = {
  maxWireBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 32 * 1024 * 1024,
};

/**
 * `POST /v1/events`: batch ingest for gateways and every other channel. Each event is
 * validated on its own against the shared EventEnvelope, so a bad event is rejected
 * with its index while the good ones in the same batch are stored; storing is
 * idempotent by event id, so a replayed batch only counts duplicates.
 */
export function ingestRoutes(options: IngestRouteOptions): Hono {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const events = options.registry
    ? new Counter({
        name: "proxima_cloud_ingest_events_total",
        help: "events received on POST /v1/events by outcome",
        labelNames: ["outcome"] as const,
        registers: [options.registry],
      })
    : null;
  const app = new Hono();

  app.post("/v1/events", async (c) => {
    const source = await options.auth.authenticate(c.req.header("authorization"));
    const body = await readBody(c.req.raw, limits);
    if (!body.ok) throw body.error;
    const json = parseJson(body.value, "request body");
    if (!json.ok) throw json.error;
    const request = parseWith(IngestRequest, json.value, "ingest request");
    if (!request.ok) throw request.error;

    const rejected: IngestResponse["rejected"] = [];
    const valid: EventEnvelope[] = [];
    const validIndex: number[] = [];
    request.value.events.forEach((raw, index) => {
      const parsed = EventEnvelope.safeParse(raw);
      if (!parsed.success) {
        rejected.push({ index, code: "bad_request", message: describeIssues(parsed.error).join("; ") });
        return;
      }
      const refusal = mayRelay(source, parsed.data);
      if (refusal) rejected.push({ index, code: refusal.code, message: refusal.message });
      else {
        valid.push(parsed.data);
        validIndex.push(index);
      }
    });
    rejected.sort((a, b) => a.index - b.index);

    const outcomes = valid.length > 0 ? (await options.store.ingest(valid)).results : [];
    let accepted = 0;
    let duplicates = 0;
    for (const outcome of outcomes) {
      if (outcome === "accepted") accepted++;
      else duplicates++;
    }
    events?.inc({ outcome: "accepted" }, accepted);
    events?.inc({ outcome: "duplicate" }, duplicates);
    events?.inc({ outcome: "rejected" }, rejected.length);
    if (rejected.length > 0)
      options.logger?.warn(
        { source: source.ref, rejected: rejected.length, first: rejected[0] },
        "ingest rejected events",
      );
    const answer: IngestResponse = { accepted, duplicates, rejected };
    return c.json(answer);
  });

  return app;
}

/**
 * A gateway relays everything its venue produces (kiosks, presence, the POS behind it);
 * any other channel's token may only send that channel's events.
 */
function mayRelay(
  source: AuthenticatedSource,
  event: EventEnvelope,
): { code: ErrorCode; message: string } | null {
  if (source.venueId !== null && event.venueId !== source.venueId)
    return {
      code: "forbidden",
      message: `${source.ref} reports for venue ${source.venueId} only, not ${event.venueId ?? "(none)"}`,
    };
  if (source.kind === "gateway" || source.kind === event.source.kind) return null;
  return {
    code: "forbidden",
    message: `a ${source.kind} token (${source.ref}) may not send ${event.source.kind} events`,
  };
}
