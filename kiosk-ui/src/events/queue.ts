import { EventEnvelope, parseWith } from "@proxima/shared";
import type { KioskLink } from "../gateway/link.js";

/** Where queued events survive a reload or a power cut: browser storage in the kiosk. */
export interface EventStore {
  load(): EventEnvelope[];
  save(events: readonly EventEnvelope[]): void;
}

/** localStorage: synchronous, so an event is on disk before the screen moves on. */
export function localEventStore(storage: Storage, key = "proxima.kiosk.outbox"): EventStore {
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return [];
      let items: unknown = [];
      try {
        items = JSON.parse(raw);
      } catch {
        // a torn write: nothing to recover
      }
      if (!Array.isArray(items)) return [];
      // every stored event is re-validated: storage is shared with whatever else ran in this origin
      const events: EventEnvelope[] = [];
      for (const item of items) {
        const event = parseWith(EventEnvelope, item, "queued event");
        if (event.ok) events.push(event.value);
      }
      return events;
    },
    save(events) {
      storage.setItem(key, JSON.stringify(events));
    },
  };
}

export function memoryEventStore(): EventStore {
  let events: EventEnvelope[] = [];
  return {
    load: () => [...events],
    save(next) {
      events = [...next];
    },
  };
}

export interface EventQueueOptions {
  /** events published at once while flushing (each is acknowledged separately, QoS 1) */
  window?: number;
  /** keep at most this many events; the oldest go first if the kiosk is offline for very long */
  maxEvents?: number;
  onChange?: (depth: number) => void;
}

/**
 * Store-and-forward for interaction events. An event is stored before it is sent and
 * removed only after the gateway acknowledged it, so a drop, a gateway restart or a
 * reload loses nothing; an id is never queued twice nor sent twice concurrently, and
 * the gateway's outbox is idempotent by id for the rare resend after a lost PUBACK.
 */
export class EventQueue {
  private events: EventEnvelope[];
  private readonly inFlight = new Set<string>();
  private readonly window: number;
  private readonly maxEvents: number;
  private flushing = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly link: KioskLink,
    private readonly store: EventStore,
    private readonly options: EventQueueOptions = {},
  ) {
    this.window = options.window ?? 16;
    this.maxEvents = options.maxEvents ?? 5000;
    this.events = store.load();
    this.unsubscribe = link.onState((state) => {
      if (state === "online") void this.flush();
    });
  }

  get depth(): number {
    return this.events.length;
  }

  enqueue(event: EventEnvelope): void {
    if (this.events.some((queued) => queued.id === event.id)) return;
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    this.persist();
    void this.flush();
  }

  /** Sends what is queued, oldest first; returns when the queue is empty or the link drops. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.link.state === "online") {
        const batch = this.events.filter((e) => !this.inFlight.has(e.id)).slice(0, this.window);
        if (batch.length === 0) break;
        const results = await Promise.allSettled(batch.map((event) => this.send(event)));
        if (results.some((r) => r.status === "rejected")) break;
      }
    } finally {
      this.flushing = false;
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private async send(event: EventEnvelope): Promise<void> {
    this.inFlight.add(event.id);
    try {
      await this.link.publishEvent(event);
      this.events = this.events.filter((queued) => queued.id !== event.id);
      this.persist();
    } finally {
      this.inFlight.delete(event.id);
    }
  }

  private persist(): void {
    this.store.save(this.events);
    this.options.onChange?.(this.events.length);
  }
}
