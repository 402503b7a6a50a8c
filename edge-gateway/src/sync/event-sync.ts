import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { type Clock, decodeJson, IngestResponse, systemClock, type TimerHandle } from "@proxima/shared";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { OutboxQueue, PendingBatch } from "../outbox/port.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from "./backoff.js";

const gzip = promisify(gzipCallback);

export interface EventSyncOptions {
  outbox: OutboxQueue;
  /** the cloud's base URL, e.g. https://cloud.example.com */
  url: string;
  /** this gateway's bearer token (`proxima-cloud token create --source gateway:<id>`) */
  token: string;
  clock?: Clock;
  logger?: Logger;
  registry?: Registry;
  /** events per request at most; default 5000 (the cloud accepts up to 10,000) */
  maxBatchEvents?: number;
  /** uncompressed JSON bytes per request at most; default 4 MiB */
  maxBatchBytes?: number;
  /** how long a lone event may wait for company before it is sent; default 200 ms */
  maxDelayMs?: number;
  backoff?: BackoffPolicy;
  /** longest `Retry-After` honoured as asked; default 10 minutes */
  maxRetryAfterMs?: number;
  requestTimeoutMs?: number;
  /** gzip level for request bodies (1 = fastest); default 1 */
  gzipLevel?: number;
  random?: () => number;
  fetch?: typeof fetch;
}

export interface EventSyncStatus {
  running: boolean;
  /** last time the cloud acknowledged a batch (this process), null if never */
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  sentEvents: number;
  rejectedEvents: number;
}

type Outcome = { kind: "acknowledged" } | { kind: "retry"; retryAfterMs: number | null; error: string };

/**
 * Drains the outbox to `POST /v1/events`. One request in flight at a time (the cloud
 * sees each source's events in order) while the next batch is read and compressed.
 * Events leave the outbox only once the cloud has answered for them (accepted,
 * duplicate or rejected); anything else — a refused connection, a 5xx, a timeout, a
 * cut mid-response — retries the same events later, which the cloud dedups by id.
 */
export class EventSync {
  private readonly clock: Clock;
  private readonly maxDelayMs: number;
  private maxBatchEvents: number;
  private readonly maxBatchBytes: number;
  private timer: TimerHandle | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private wakeLoop: (() => void) | null = null;
  private readonly state: EventSyncStatus = {
    running: false,
    lastSuccessAt: null,
    consecutiveFailures: 0,
    lastError: null,
    sentEvents: 0,
    rejectedEvents: 0,
  };
  private readonly metrics: { sent: Counter; rejected: Counter; failures: Counter } | null;
  private idleWaiters: (() => void)[] = [];
  /** an append committed since the loop last looked at the outbox */
  private appendedSinceRead = false;
  /** the request on the wire, aborted by stop() (its events stay queued) */
  private inFlight: AbortController | null = null;

  constructor(private readonly options: EventSyncOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxDelayMs = options.maxDelayMs ?? 200;
    this.maxBatchEvents = options.maxBatchEvents ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    const registry = options.registry;
    this.metrics = registry
      ? {
          sent: new Counter({
            name: "proxima_gateway_sync_events_sent_total",
            help: "events the cloud acknowledged",
            registers: [registry],
          }),
          rejected: new Counter({
            name: "proxima_gateway_sync_events_rejected_total",
            help: "events the cloud refused as invalid (logged, not retried)",
            registers: [registry],
          }),
          failures: new Counter({
            name: "proxima_gateway_sync_failures_total",
            help: "ingest requests that failed and will be retried",
            registers: [registry],
          }),
        }
      : null;
  }

  /** Starts draining; a backlog left by a previous run goes at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.state.running = true;
    this.unsubscribe = this.options.outbox.onAppend(() => this.onAppend());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.state.running = false;
    this.unsubscribe?.();
    this.cancelTimer();
    this.inFlight?.abort();
    this.wakeLoop?.();
    await this.loop;
  }

  status(): EventSyncStatus {
    return { ...this.state };
  }

  /** Resolves the next time the outbox is found empty (tests, benchmarks, shutdown). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onAppend(): void {
    this.appendedSinceRead = true;
    // the age bound: the first event after an idle spell waits at most maxDelayMs
    if (this.timer === null && this.wakeLoop !== null)
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.wakeLoop?.();
      }, this.maxDelayMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sleeps until woken by an append timer, a backoff timer or stop(). */
  private sleep(ms: number | null): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeLoop = () => {
        this.wakeLoop = null;
        this.cancelTimer();
        resolve();
      };
      if (ms !== null) this.timer = this.clock.setTimeout(() => this.wakeLoop?.(), ms);
    });
  }

  private async run(): Promise<void> {
    let next: Promise<Prepared | null> | null = null;
    while (this.running) {
      let prepared: Prepared | null;
      if (next === null) this.appendedSinceRead = false;
      try {
        prepared = await (next ?? this.prepare(0));
      } catch (error) {
        prepared = null;
        this.options.logger?.error({ err: error }, "cannot read the outbox");
        await this.sleep(this.options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs);
        next = null;
        continue;
      }
      next = null;
      if (prepared === null) {
        if (this.appendedSinceRead) {
          // an append landed while we were reading: it gets its age bound like any other
          await this.sleep(this.maxDelayMs);
          continue;
        }
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        await this.sleep(null);
        continue;
      }
      // read and compress the following batch while this one is on the wire
      const following = this.prepare(prepared.batch.lastSeq);
      following.catch(() => undefined);
      const outcome = await this.send(prepared);
      if (!this.running) break;
      if (outcome.kind === "acknowledged") {
        next = following;
        continue;
      }
      this.state.consecutiveFailures++;
      this.state.lastError = outcome.error;
      this.metrics?.failures.inc();
      const delay = backoffDelay(
        this.state.consecutiveFailures,
        this.options.backoff ?? DEFAULT_BACKOFF,
        this.options.random ?? Math.random,
        outcome.retryAfterMs === null
          ? null
          : Math.min(outcome.retryAfterMs, this.options.maxRetryAfterMs ?? 600_000),
      );
      this.options.logger?.warn(
        {
          error: outcome.error,
          failures: this.state.consecutiveFailures,
          retryInMs: delay,
          firstSeq: prepared.batch.firstSeq,
          events: prepared.batch.events.length,
        },
        "event sync failed; retrying the same batch later",
      );
      await this.sleep(delay);
    }
  }

  private async prepare(afterSeq: number): Promise<Prepared | null> {
    const batch = await this.options.outbox.nextBatch(afterSeq, this.maxBatchEvents, this.maxBatchBytes);
    if (batch === null) return null;
    // the stored JSON texts go out as they are: no parse, no re-serialisation
    const json = `{"events":[${batch.events.join(",")}]}`;
    const body = await gzip(json, { level: this.options.gzipLevel ?? 1 });
    return { batch, body };
  }

  private async send({ batch, body }: Prepared): Promise<Outcome> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = this.clock.setTimeout(() => controller.abort(), this.options.requestTimeoutMs ?? 30_000);
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.options.url.replace(/\/$/, "")}/v1/events`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.options.token}`,
          "content-type": "application/json",
          "content-encoding": "gzip",
        },
        // a view, not a copy: BodyInit's typings know Uint8Array but not Buffer
        body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return {
        kind: "retry",
        retryAfterMs: null,
        error: `${(error as Error).message}${cause ? ` (${cause})` : ""}`,
      };
    } finally {
      this.clock.clearTimeout(timeout);
      this.inFlight = null;
    }
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.clock.now());
    if (response.status === 200) {
      const answer = decodeJson(IngestResponse, text, "ingest response");
      if (!answer.ok) return { kind: "retry", retryAfterMs, error: answer.error.message };
      return this.acknowledge(batch, answer.value.rejected);
    }
    if (response.status === 413) {
      if (batch.events.length > 1) {
        this.maxBatchEvents = Math.max(1, Math.floor(batch.events.length / 2));
        this.options.logger?.warn({ maxBatchEvents: this.maxBatchEvents }, "cloud says batch too large");
        return { kind: "retry", retryAfterMs: 0, error: "payload too large; halving the batch" };
      }
      // one event the cloud will never take: it is rejected, not retried forever
      return this.acknowledge(batch, [{ index: 0, code: "payload_too_large", message: text.slice(0, 200) }]);
    }
    if (response.status === 401 || response.status === 403)
      this.options.logger?.error(
        { status: response.status },
        "the cloud refuses this gateway's token: check cloud.token (proxima-cloud token create --source gateway:<id>)",
      );
    return { kind: "retry", retryAfterMs, error: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  }

  private async acknowledge(
    batch: PendingBatch,
    rejected: readonly { index: number; code: string; message: string }[],
  ): Promise<Outcome> {
    const now = this.clock.now();
    try {
      await this.options.outbox.acknowledge(batch.lastSeq, now);
    } catch (error) {
      // the cloud has the events; they stay in the outbox, go once more and are deduped by id
      return {
        kind: "retry",
        retryAfterMs: null,
        error: `cannot mark events sent: ${(error as Error).message}`,
      };
    }
    if (rejected.length > 0) {
      this.options.logger?.error(
        { rejected: rejected.length, first: rejected.slice(0, 3), firstSeq: batch.firstSeq },
        "the cloud rejected events as invalid; they will not be retried",
      );
      this.state.rejectedEvents += rejected.length;
      this.metrics?.rejected.inc(rejected.length);
    }
    const sent = batch.events.length - rejected.length;
    this.state.sentEvents += sent;
    this.metrics?.sent.inc(sent);
    this.state.lastSuccessAt = now;
    this.state.consecutiveFailures = 0;
    this.state.lastError = null;
    return { kind: "acknowledged" };
  }
}

interface Prepared {
  batch: PendingBatch;
  body: Buffer;
}
