import { type EventEnvelope, newId } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { FakeLink } from "../gateway/fake-link.js";
import { EventQueue, localEventStore, memoryEventStore } from "./queue.js";

function event(i: number): EventEnvelope {
  return {
    id: newId(1_732_262_400_000 + i),
    ts: 1_732_262_400_000 + i,
    venueId: "store-042",
    source: { kind: "kiosk", id: "kiosk-1" },
    type: "pour.started",
    identity: { type: "anonymous", value: "s-1" },
    data: { n: i },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("EventQueue", () => {
  it("keeps events while offline and flushes each exactly once, in order, on reconnect", async () => {
    const link = new FakeLink("offline");
    const queue = new EventQueue(link, memoryEventStore());
    const events = Array.from({ length: 40 }, (_, i) => event(i));
    for (const e of events) queue.enqueue(e);
    queue.enqueue({ ...events[3]! }); // the same id again is not a second event
    expect(queue.depth).toBe(40);
    link.setState("online");
    void queue.flush(); // a second flush racing the reconnect one must not resend
    await settle();
    await settle();
    expect(queue.depth).toBe(0);
    expect(link.published.map((e) => e.data.n)).toEqual([...Array(40).keys()]);
  });

  it("survives a reload: a new queue on the same storage sends what the old one could not", async () => {
    const storage = window.localStorage;
    storage.clear();
    const offline = new FakeLink("offline");
    const before = new EventQueue(offline, localEventStore(storage));
    before.enqueue(event(1));
    before.enqueue(event(2));
    before.close();

    const link = new FakeLink("online");
    const after = new EventQueue(link, localEventStore(storage));
    expect(after.depth).toBe(2);
    await after.flush();
    expect(link.published.map((e) => e.data.n)).toEqual([1, 2]);
    expect(JSON.parse(storage.getItem("proxima.kiosk.outbox") ?? "null")).toEqual([]);
  });

  it("drops stored garbage instead of crashing or sending it", () => {
    window.localStorage.setItem("proxima.kiosk.outbox", JSON.stringify([{ id: "nope" }, event(7)]));
    const queue = new EventQueue(new FakeLink("offline"), localEventStore(window.localStorage));
    expect(queue.depth).toBe(1);
    window.localStorage.setItem("proxima.kiosk.outbox", "{torn");
    expect(new EventQueue(new FakeLink("offline"), localEventStore(window.localStorage)).depth).toBe(0);
  });

  it("keeps an event whose publish failed and sends it on the next flush", async () => {
    const link = new FakeLink("online");
    let fail = true;
    const publish = link.publishEvent.bind(link);
    link.publishEvent = async (e) => {
      if (fail) throw new Error("connection dropped");
      return publish(e);
    };
    const queue = new EventQueue(link, memoryEventStore());
    queue.enqueue(event(1));
    await settle();
    expect(queue.depth).toBe(1);
    fail = false;
    await queue.flush();
    expect(queue.depth).toBe(0);
    expect(link.published).toHaveLength(1);
  });
});
