import { type CatalogueResult, ManualClock } from "@proxima/shared";
import { act, cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "./App.js";
import { sampleMenu } from "./catalogue/sample.js";
import type { SnapshotStore } from "./catalogue/snapshot.js";
import { EventQueue, memoryEventStore } from "./events/queue.js";
import { FakeLink } from "./gateway/fake-link.js";

const config = { venueId: "store-042", kioskId: "kiosk-1", idleTimeoutMs: 30_000, loyaltyPrefix: "L-" };
const user = userEvent.setup();

function memorySnapshots(initial: CatalogueResult | null = null): SnapshotStore {
  let current = initial;
  return {
    load: () => current,
    save: (s) => {
      current = s;
    },
  };
}

function gateway(state: "online" | "offline" = "online") {
  const link = new FakeLink(state)
    .handle("catalogue", () => sampleMenu())
    .handle("reportStock", (stock) => ({ accepted: true, pourable: Object.keys(stock.levels) }))
    .handle("personalize", ({ identity }) =>
      identity.value === "L-100042" || identity.type === "subject"
        ? {
            decisionId: "dec-1",
            customer: { id: "cus-42", firstName: "Ana", segments: ["regulars"] },
            offers: [
              { offerId: "o-usual", title: "Cherry Cola", reason: "Your usual", productId: "cherry-cola" },
              {
                offerId: "o-new",
                title: "Vanilla Zero",
                reason: "New, and you like cola",
                productId: "vanilla-zero",
              },
            ],
          }
        : { decisionId: "dec-anon", customer: null, offers: [] },
    );
  return link;
}

let clock: ManualClock;
beforeEach(() => {
  clock = new ManualClock(1_732_262_400_000);
});
afterEach(cleanup);

function mount(link: FakeLink, snapshots = memorySnapshots()) {
  const queue = new EventQueue(link, memoryEventStore());
  render(
    <App
      link={link}
      config={config}
      queue={queue}
      snapshots={snapshots}
      clock={clock}
      pourMs={1000}
      thanksMs={5000}
    />,
  );
  return queue;
}

async function pourAndRate(rating: string) {
  await user.click(await screen.findByRole("button", { name: "Pour" }));
  expect(screen.getByRole("progressbar", { name: "Pouring" })).toBeInTheDocument();
  act(() => clock.advance(1100));
  await user.click(await screen.findByRole("radio", { name: rating }));
  await user.click(screen.getByRole("button", { name: "Send rating" }));
}

describe("App", () => {
  it("recognises a loyalty member, pours their usual and records every step with the decision id", async () => {
    const link = gateway();
    mount(link);
    await user.click(await screen.findByRole("button", { name: "Touch to start" }));
    await user.click(screen.getByRole("button", { name: "Enter my loyalty code" }));
    for (const d of "100042") await user.click(screen.getByRole("button", { name: d }));
    await user.click(screen.getByRole("button", { name: "OK" }));
    expect(
      await screen.findByRole("heading", { level: 1, name: "Hi Ana, what'll it be?" }),
    ).toBeInTheDocument();
    expect(link.calls.find((c) => c.method === "personalize")?.params).toEqual({
      identity: { type: "loyalty", value: "L-100042" },
      limit: 4,
    });
    await user.click(screen.getByRole("button", { name: "Cherry Cola: Your usual" }));
    await pourAndRate("Loved it (5 of 5)");
    expect(screen.getByRole("heading", { name: "Thanks, Ana!" })).toBeInTheDocument();
    act(() => clock.advance(5000));
    expect(await screen.findByRole("button", { name: "Touch to start" })).toBeInTheDocument();

    expect(link.eventTypes()).toEqual([
      "kiosk.session_started",
      "kiosk.identified",
      "offer.shown",
      "offer.shown",
      "offer.accepted",
      "offer.declined",
      "product.chosen",
      "pour.started",
      "pour.completed",
      "feedback.submitted",
      "kiosk.session_ended",
    ]);
    const [started, ...rest] = link.published;
    const sessionId = started!.data.sessionId;
    expect(rest.every((e) => e.data.sessionId === sessionId)).toBe(true);
    expect(rest.every((e) => e.identity.type === "loyalty" && e.identity.value === "L-100042")).toBe(true);
    expect(rest.slice(1).every((e) => e.data.decisionId === "dec-1")).toBe(true);
    expect(link.published.find((e) => e.type === "offer.accepted")?.data.offerId).toBe("o-usual");
    expect(link.published.find((e) => e.type === "feedback.submitted")?.data).toMatchObject({ rating: 5 });
    expect(link.published.at(-1)?.data.reason).toBe("completed");
    expect(new Set(link.published.map((e) => e.id)).size).toBe(link.published.length);
    // the simulated dispenser reports what it spent
    const report = link.calls.find((c) => c.method === "reportStock")?.params as {
      levels: Record<string, number>;
    };
    expect(report.levels.cola).toBeCloseTo(0.78);
    expect(report.levels.cherry).toBeCloseTo(0.775);
  });

  it("greets a consented shopper who walks up, by their tag", async () => {
    const link = gateway();
    mount(link);
    await screen.findByRole("button", { name: "Touch to start" });
    act(() =>
      link.walkUp({
        ts: 1,
        subject: "ibeacon:abc:1:2",
        customer: { id: "cus-42", firstName: "Ana", segments: [] },
      }),
    );
    await user.click(await screen.findByRole("button", { name: "Start as Ana" }));
    expect(await screen.findByRole("heading", { level: 1, name: /Hi Ana/ })).toBeInTheDocument();
    expect(link.calls.find((c) => c.method === "personalize")?.params).toMatchObject({
      identity: { type: "subject", value: "ibeacon:abc:1:2" },
    });
  });

  it("serves a guest a mix of their own and wipes the session when they walk away", async () => {
    const link = gateway();
    mount(link);
    await user.click(await screen.findByRole("button", { name: "Touch to start" }));
    await user.click(screen.getByRole("button", { name: "Continue as guest" }));
    await user.click(await screen.findByRole("button", { name: "Mix your own" }));
    await user.click(screen.getByRole("button", { name: "Lemon-Lime" }));
    await user.click(screen.getByRole("button", { name: "Peach" }));
    await user.click(screen.getByRole("button", { name: "Vanilla" }));
    await user.click(screen.getByRole("button", { name: "Pour this mix" }));
    expect(screen.getByRole("heading", { name: "Lemon-Lime + Peach + Vanilla" })).toBeInTheDocument();
    act(() => clock.advance(config.idleTimeoutMs));
    expect(await screen.findByRole("button", { name: "Touch to start" })).toBeInTheDocument();
    const chosen = link.published.find((e) => e.type === "product.chosen");
    expect(chosen?.data).toMatchObject({
      custom: true,
      baseId: "lemon-lime",
      flavourIds: ["peach", "vanilla"],
    });
    expect(chosen?.identity.type).toBe("anonymous");
    expect(link.published.at(-1)).toMatchObject({ type: "kiosk.session_ended", data: { reason: "idle" } });
    // the next shopper starts from nothing
    await user.click(screen.getByRole("button", { name: "Touch to start" }));
    await user.click(screen.getByRole("button", { name: "Continue as guest" }));
    expect(
      await screen.findByRole("heading", { level: 1, name: "What would you like?" }),
    ).toBeInTheDocument();
  });

  it("greys out a cartridge that runs empty while the shopper is mixing", async () => {
    let levels: Record<string, number> = {};
    const link = gateway().handle("catalogue", () => sampleMenu(levels));
    const queue = new EventQueue(link, memoryEventStore());
    render(
      <App
        link={link}
        config={config}
        queue={queue}
        snapshots={memorySnapshots()}
        clock={clock}
        refreshMs={30}
      />,
    );
    await user.click(await screen.findByRole("button", { name: "Touch to start" }));
    await user.click(screen.getByRole("button", { name: "Continue as guest" }));
    await user.click(await screen.findByRole("button", { name: "Mix your own" }));
    await user.click(screen.getByRole("button", { name: "Cola" }));
    await user.click(screen.getByRole("button", { name: "Cherry" }));
    expect(screen.getByRole("button", { name: "Cherry" }).getAttribute("aria-pressed")).toBe("true");
    levels = { cherry: 0 };
    const cherry = await screen.findByRole("button", { name: "Cherry (out of stock)" }, { timeout: 2000 });
    expect(cherry).toHaveProperty("disabled", true);
    // the empty shot left the mix instead of being poured
    expect(screen.getByRole("img", { name: "Preview: Cola" })).toBeInTheDocument();
  });

  it("keeps pouring offline from the last menu, queues events and sends each once on reconnect", async () => {
    const link = gateway("offline");
    const queue = mount(link, memorySnapshots(sampleMenu()));
    expect(screen.getByRole("status").textContent).toMatch(/Offline/);
    await user.click(await screen.findByRole("button", { name: "Touch to start" }));
    await user.click(screen.getByRole("button", { name: "Enter my loyalty code" }));
    for (const d of "100042") await user.click(screen.getByRole("button", { name: d }));
    await user.click(screen.getByRole("button", { name: "OK" }));
    expect(
      (await screen.findAllByRole("status")).some((s) => /every drink still pours/.test(s.textContent ?? "")),
    ).toBe(true);
    const popular = screen.getByRole("region", { name: "Popular right now" });
    await user.click(within(popular).getByRole("button", { name: "Classic Cola" }));
    await pourAndRate("Good (4 of 5)");
    expect(link.published).toHaveLength(0);
    const queued = queue.depth;
    expect(queued).toBeGreaterThanOrEqual(6);

    await act(async () => {
      link.setState("online");
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    expect(link.published).toHaveLength(queued);
    expect(new Set(link.published.map((e) => e.id)).size).toBe(queued);
    expect(queue.depth).toBe(0);
    // offline, the member still counts as themselves for the cloud
    expect(link.published.find((e) => e.type === "pour.completed")?.identity).toEqual({
      type: "loyalty",
      value: "L-100042",
    });
    expect(screen.queryByRole("status", { name: /Offline/ })).toBeNull();
  });
});
