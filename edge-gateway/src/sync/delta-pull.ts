import {
  type Clock,
  decodeJson,
  type SyncChange,
  SyncPage,
  systemClock,
  type TimerHandle,
} from "@proxima/shared";
import type { Logger } from "pino";
import type { OutboxQueue } from "../outbox/port.js";
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, parseRetryAfter } from "./backoff.js";

/** Where the cursor is kept, beside the outbox, so a restart resumes where it left off. */
export const CURSOR_KEY = "sync.cursor";

export interface DeltaPullOptions {
  /** durable home of the cursor (the outbox's state table) */
  state: Pick<OutboxQueue, "readState" | "writeState">;
  url: string;
  token: string;
  venueId: string;
  /** applies one page; must be idempotent (a page is re-applied after a crash) */
  apply: (changes: SyncChange[]) => void | Promise<void>;
  clock?: Clock;
  logger?: Logger;
  /** pause between pulls once caught up; default 30 s */
  intervalMs?: number;
  pageSize?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Pulls the profile, segment, campaign and catalogue changes meant for this venue from
 * `GET /v1/sync/{venueId}/changes?cursor=…`, page after page. The cursor is saved only
 * after a page is applied, so a crash re-applies at most one page (harmless: changes are
 * idempotent) and never skips one.
 */
export class DeltaPull {
  private readonly clock: Clock;
  private running = false;
  private loop: Promise<void> | null = null;
  private timer: TimerHandle | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private caughtUpWaiters: (() => void)[] = [];
  private inFlight: AbortController | null = null;
  lastPullAt: number | null = null;

  constructor(private readonly options: DeltaPullOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.inFlight?.abort();
    this.wake?.();
    await this.loop;
  }

  /** Pull now instead of at the next interval (e.g. the cloud said something changed). */
  pullNow(): void {
    this.wake?.();
  }

  /** Resolves once a pull has reached the end of the changes. */
  whenCaughtUp(): Promise<void> {
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        if (this.timer !== null) this.clock.clearTimeout(this.timer);
        this.timer = null;
        resolve();
      };
      this.timer = this.clock.setTimeout(() => this.wake?.(), ms);
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let delay: number;
      try {
        const hasMore = await this.pullPage();
        this.failures = 0;
        if (hasMore) continue;
        for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
        delay = this.options.intervalMs ?? 30_000;
      } catch (error) {
        this.failures++;
        const retryAfter = (error as { retryAfterMs?: number | null }).retryAfterMs ?? null;
        delay = backoffDelay(
          this.failures,
          this.options.backoff ?? DEFAULT_BACKOFF,
          this.options.random ?? Math.random,
          retryAfter,
        );
        this.options.logger?.warn(
          { err: (error as Error).message, failures: this.failures, retryInMs: delay },
          "delta pull failed; retrying",
        );
      }
      if (this.running) await this.sleep(delay);
    }
  }

  /** One page: fetch, apply, then save the cursor. Returns whether more pages wait. */
  async pullPage(): Promise<boolean> {
    const cursor = (await this.options.state.readState(CURSOR_KEY)) ?? "";
    const url = new URL(
      `${this.options.url.replace(/\/$/, "")}/v1/sync/${encodeURIComponent(this.options.venueId)}/changes`,
    );
    if (cursor !== "") url.searchParams.set("cursor", cursor);
    url.searchParams.set("limit", String(this.options.pageSize ?? 500));
    const controller = new AbortController();
    this.inFlight = controller;
    const timeout = this.clock.setTimeout(() => controller.abort(), this.options.requestTimeoutMs ?? 30_000);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        headers: { authorization: `Bearer ${this.options.token}`, "accept-encoding": "gzip" },
        signal: controller.signal,
      });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      text = await response.text();
    } finally {
      this.clock.clearTimeout(timeout);
      this.inFlight = null;
    }
    if (status !== 200)
      throw Object.assign(new Error(`HTTP ${status}: ${text.slice(0, 200)}`), {
        retryAfterMs: parseRetryAfter(retryAfter, this.clock.now()),
      });
    const page = decodeJson(SyncPage, text, "sync page");
    if (!page.ok) throw page.error;
    if (page.value.changes.length > 0) await this.options.apply(page.value.changes);
    if (page.value.cursor !== cursor) await this.options.state.writeState(CURSOR_KEY, page.value.cursor);
    this.lastPullAt = this.clock.now();
    this.options.logger?.debug(
      { venueId: this.options.venueId, changes: page.value.changes.length, hasMore: page.value.hasMore },
      "delta page applied",
    );
    return page.value.hasMore;
  }
}
