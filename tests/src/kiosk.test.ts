/**
 * The kiosk end to end: the production build in real Chromium, talking MQTT over
 * WebSocket to a real gateway process with its own credentials. A `service` client on
 * the same broker watches what the kiosk publishes.
 */

import { join } from "node:path";
import { outboxPath, SqliteOutbox } from "@proxima/edge-gateway";
import type { EventEnvelope } from "@proxima/shared";
import { EventEnvelope as EventSchema, parseTopic, parseWith, topicsFor } from "@proxima/shared";
import type { MqttClient } from "mqtt";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot } from "../harness/index.js";
import { type KioskEnv, startKioskEnv } from "./kiosk-env.js";
import { ANA, VENUE_ID } from "./kiosk-fixtures.js";

const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };
const topics = topicsFor(VENUE_ID);

let env: KioskEnv;
let browser: Browser;

/** Every kiosk event seen on the broker, in arrival order. */
class EventWatch {
  readonly events: EventEnvelope[] = [];
  constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload) => {
      if (parseTopic(topic)?.leaf !== "events") return;
      const event = parseWith(EventSchema, JSON.parse(payload.toString()), "kiosk event");
      if (!event.ok) throw event.error;
      this.events.push(event.value);
    });
  }
  static async start(options?: { clean?: boolean }): Promise<EventWatch> {
    const client = await env.connectMonitor(options);
    await client.subscribeAsync(topics.filters.allKioskEvents, { qos: 1 });
    return new EventWatch(client);
  }
  of(sessionId: unknown): EventEnvelope[] {
    return this.events.filter((e) => e.data.sessionId === sessionId);
  }
  async waitFor(predicate: (events: EventEnvelope[]) => boolean, what: string, ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (!predicate(this.events)) {
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${what}; saw: ${this.events.map((e) => e.type).join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function openKiosk(kioskId: string, viewport = PORTRAIT): Promise<Page> {
  const page = await browser.newPage({ viewport, hasTouch: true });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(env.kioskUrl(kioskId));
  // the menu came from the gateway: the start button is live
  await page.getByRole("button", { name: "Touch to start" }).and(page.locator(":enabled")).waitFor();
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

async function typeLoyalty(page: Page, code: string) {
  for (const digit of code.replace(/^L/, ""))
    await page.getByRole("button", { name: digit, exact: true }).click();
}

async function pourAndRate(page: Page, face: string, reasons: string[] = []) {
  await page.getByRole("button", { name: "Pour", exact: true }).click();
  await page.getByRole("progressbar", { name: "Pouring" }).waitFor();
  await page.getByRole("radio", { name: face }).click({ timeout: 15_000 });
  for (const reason of reasons) await page.getByRole("button", { name: reason }).click();
}

beforeAll(async () => {
  env = await startKioskEnv({ kiosks: ["kiosk-1", "kiosk-2"] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

describe("kiosk end to end", () => {
  it("recognises a loyalty member, offers their usual with reasons, pours and records every step", async () => {
    const watch = await EventWatch.start();
    const page = await openKiosk("kiosk-1");
    // the kiosk announced itself, retained
    const status = await new Promise<string>((resolve) => {
      watch.client.on("message", (topic, payload) => {
        if (topic === topics.kioskStatus("kiosk-1")) resolve(payload.toString());
      });
      void watch.client.subscribeAsync(topics.kioskStatus("kiosk-1"));
    });
    expect(JSON.parse(status)).toMatchObject({ state: "online" });

    await screenshot(page, "kiosk-01-attract");
    await page.getByRole("button", { name: "Touch to start" }).click();
    await screenshot(page, "kiosk-02-identify");
    await page.getByRole("button", { name: "Enter my loyalty code" }).click();
    await typeLoyalty(page, ANA.loyalty);
    await expect(page.getByRole("status", { name: "Loyalty code" }).textContent()).resolves.toBe(ANA.loyalty);
    await screenshot(page, "kiosk-03-keypad");
    await page.getByRole("button", { name: "OK" }).click();

    await page.getByRole("heading", { level: 1, name: "Hi Ana, what'll it be?" }).waitFor();
    const usual = page.getByRole("region", { name: "Your usual" });
    await expect(usual.getByRole("button").getAttribute("aria-label")).resolves.toBe(
      "Cherry Cola: Your favourite",
    );
    // the regulars' campaign, with its reason in plain words
    await page
      .getByRole("button", { name: "Cherry Vanilla Zero, 20% off: 20% off this week, for regulars" })
      .waitFor();
    await page
      .getByRole("region", { name: "Popular right now" })
      .or(page.getByRole("button", { name: "Mix your own" }))
      .first()
      .waitFor();
    await screenshot(page, "kiosk-04-home");

    await usual.getByRole("button").click();
    await page.getByRole("heading", { name: "Cherry Cola" }).waitFor();
    await screenshot(page, "kiosk-05-confirm");
    await page.getByRole("button", { name: "Pour", exact: true }).click();
    await page.waitForFunction(() => {
      const bar = document.querySelector('[role="progressbar"]');
      return bar !== null && Number(bar.getAttribute("aria-valuenow")) >= 40;
    });
    await screenshot(page, "kiosk-06-pour");
    await page.getByRole("radio", { name: "Loved it (5 of 5)" }).click({ timeout: 15_000 });
    await page.getByRole("button", { name: "Tasty" }).click();
    await screenshot(page, "kiosk-07-rate");
    await page.getByRole("button", { name: "Send rating" }).click();
    await page.getByRole("heading", { name: "Thanks, Ana!" }).waitFor();
    await screenshot(page, "kiosk-08-thanks");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Touch to start" }).waitFor();

    await watch.waitFor((events) => events.some((e) => e.type === "kiosk.session_ended"), "the session end");
    const started = watch.events.find((e) => e.type === "kiosk.session_started")!;
    const session = watch.of(started.data.sessionId);
    const types = session.map((e) => e.type);
    expect(types[0]).toBe("kiosk.session_started");
    expect(types.at(-1)).toBe("kiosk.session_ended");
    for (const type of [
      "kiosk.identified",
      "offer.shown",
      "offer.accepted",
      "offer.declined",
      "product.chosen",
      "pour.started",
      "pour.completed",
      "feedback.submitted",
    ])
      expect(types).toContain(type);
    const accepted = session.find((e) => e.type === "offer.accepted")!;
    const decisionId = accepted.data.decisionId;
    expect(decisionId).toEqual(expect.any(String));
    // every step after the decision answers it
    for (const e of session.filter((x) => /^(offer|product|pour|feedback)\./.test(x.type)))
      expect(e.data.decisionId).toBe(decisionId);
    expect(
      session
        .filter((e) => e.type !== "kiosk.session_started")
        .every((e) => e.identity.value === ANA.loyalty),
    ).toBe(true);
    expect(session.find((e) => e.type === "feedback.submitted")?.data).toMatchObject({
      rating: 5,
      reasons: ["Tasty"],
    });
    expect(new Set(session.map((e) => e.id)).size).toBe(session.length);
    expect(session.every((e) => e.source.kind === "kiosk" && e.source.id === "kiosk-1")).toBe(true);
    // session data wiped: nothing about Ana is left on the attract screen
    await expect(page.getByText("Ana").count()).resolves.toBe(0);
    expect(problemsOf(page)).toEqual([]);
    // the kiosk's last will: its status turns offline when the browser goes away
    const offline = new Promise<unknown>((resolve) =>
      watch.client.on("message", (topic, payload) => {
        if (topic === topics.kioskStatus("kiosk-1") && payload.toString().includes("offline"))
          resolve(JSON.parse(payload.toString()));
      }),
    );
    await page.close();
    await expect(offline).resolves.toMatchObject({ state: "offline" });
    await watch.client.endAsync();
  });

  it("greets a consented shopper who walks up (gateway nearby) by first name", async () => {
    const page = await openKiosk("kiosk-1");
    const monitor = await env.connectMonitor();
    await monitor.publishAsync(
      topics.kioskNearby("kiosk-1"),
      JSON.stringify({
        ts: Date.now(),
        subject: ANA.subject,
        customer: { id: "cust-ana", firstName: "Ana", segments: ["regulars"] },
        identity: { type: "subject", value: ANA.subject },
      }),
      { qos: 1 },
    );
    await page.getByRole("heading", { name: "Hi Ana!" }).waitFor();
    await screenshot(page, "kiosk-09-greeting");
    await page.getByRole("button", { name: "Start as Ana" }).click();
    await page.getByRole("heading", { level: 1, name: "Hi Ana, what'll it be?" }).waitFor();
    await page.getByRole("button", { name: "Start over" }).click();
    await page.getByRole("heading", { name: "Thirsty? Mix your drink" }).waitFor();

    // the QR reader types the code and Enter
    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Scan my QR code" }).click();
    await page.getByRole("heading", { name: "Scan your QR code" }).waitFor();
    await screenshot(page, "kiosk-14-qr");
    await page.keyboard.type(`${ANA.loyalty}\n`);
    await page.getByRole("heading", { level: 1, name: "Hi Ana, what'll it be?" }).waitFor();
    await page.getByRole("button", { name: "Start over" }).click();
    expect(problemsOf(page)).toEqual([]);
    await page.close();
    await monitor.endAsync();
  });

  it("shows the setup screen where no provisioning bundle is served", async () => {
    const page = await browser.newPage({ viewport: PORTRAIT });
    await page.goto(`${env.server.url}/`);
    await page.getByRole("heading", { name: "This kiosk is not set up yet" }).waitFor();
    await expect(page.getByText(/provisioning bundle/).count()).resolves.toBe(1);
    await screenshot(page, "kiosk-15-setup");
    await page.close();
  });

  it("serves an anonymous shopper the whole flow, and forgets them", async () => {
    const watch = await EventWatch.start();
    const page = await openKiosk("kiosk-1", LANDSCAPE);
    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.getByRole("heading", { level: 1, name: "What would you like?" }).waitFor();
    await screenshot(page, "kiosk-10-home-guest-landscape");
    await page.getByRole("button", { name: "Browse all drinks" }).click();
    await page.getByRole("group", { name: "Brand" }).getByRole("button", { name: "Sunny" }).click();
    await screenshot(page, "kiosk-11-browse-landscape");
    await page.getByRole("button", { name: "Sunny Peach" }).click();
    await pourAndRate(page, "Good (4 of 5)");
    await page.getByRole("button", { name: "Send rating" }).click();
    await page.getByRole("heading", { name: "Thank you!" }).waitFor();
    // back to attract on its own after the thank-you
    await page.getByRole("button", { name: "Touch to start" }).waitFor({ timeout: 15_000 });

    await watch.waitFor((events) => events.some((e) => e.type === "kiosk.session_ended"), "the session end");
    const session = watch.of(watch.events[0]!.data.sessionId);
    expect(session.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "kiosk.session_started",
        "product.chosen",
        "pour.completed",
        "feedback.submitted",
      ]),
    );
    expect(session.every((e) => e.identity.type === "anonymous")).toBe(true);
    expect(session.find((e) => e.type === "product.chosen")?.data).toMatchObject({
      productId: "sunny-peach",
    });
    expect(session.at(-1)?.data).toMatchObject({ reason: "completed" });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
    await watch.client.endAsync();
  });

  it("greys out an empty flavour cartridge in build-your-own and browse, and pours a mix without it", async () => {
    // the dispenser reports its cherry cartridge empty before the app starts
    const reporter = await env.connectAsKiosk("kiosk-2");
    const reply = new Promise<string>((resolve) => reporter.on("message", (_t, p) => resolve(p.toString())));
    await reporter.subscribeAsync(topics.rpcResponse("kiosk-2"), { qos: 1 });
    const levels = { cola: 0.9, "cola-zero": 0.9, "lemon-lime": 0.9, orange: 0.9, "sparkling-water": 0.9 };
    await reporter.publishAsync(
      topics.rpcRequest("kiosk-2"),
      JSON.stringify({
        id: "stock-1",
        method: "reportStock",
        params: {
          ts: Date.now(),
          levels: { ...levels, cherry: 0, vanilla: 0.6, lime: 0.6, raspberry: 0.6, peach: 0.6, lemon: 0.6 },
        },
      }),
      { qos: 1 },
    );
    expect(JSON.parse(await reply)).toMatchObject({ id: "stock-1", ok: true, result: { accepted: true } });
    await reporter.endAsync();

    const watch = await EventWatch.start();
    const page = await openKiosk("kiosk-2");
    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.getByRole("button", { name: "Mix your own" }).click();
    const shots = page.getByRole("group", { name: /flavour shots/ });
    await expect(shots.getByRole("button", { name: "Cherry (out of stock)" }).isDisabled()).resolves.toBe(
      true,
    );
    await page
      .getByRole("group", { name: /base/ })
      .getByRole("button", { name: "Cola", exact: true })
      .click();
    for (const f of ["Vanilla", "Lime", "Raspberry"])
      await shots.getByRole("button", { name: f, exact: true }).click();
    // three shots is the most: the rest wait
    await expect(shots.getByRole("button", { name: "Peach", exact: true }).isDisabled()).resolves.toBe(true);
    await screenshot(page, "kiosk-12-build");
    await page.getByRole("button", { name: "Pour this mix" }).click();
    await page.getByRole("heading", { name: "Cola + Vanilla + Lime + Raspberry" }).waitFor();
    await pourAndRate(page, "Okay (3 of 5)");
    await page.getByRole("button", { name: "Skip" }).click();
    await page.getByRole("button", { name: "Done" }).click();

    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.getByRole("button", { name: "Browse all drinks" }).click();
    await expect(page.getByRole("button", { name: "Cherry Cola, out of stock" }).isDisabled()).resolves.toBe(
      true,
    );
    await page.getByRole("button", { name: "Back" }).click();
    await page.getByRole("button", { name: "Start over" }).click();

    await watch.waitFor((events) => events.some((e) => e.type === "pour.completed"), "the pour");
    expect(watch.events.find((e) => e.type === "product.chosen")?.data).toMatchObject({
      custom: true,
      baseId: "cola",
      flavourIds: ["vanilla", "lime", "raspberry"],
    });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
    await watch.client.endAsync();
  });

  it("keeps pouring through a gateway restart and delivers the session's events exactly once", async () => {
    const page = await openKiosk("kiosk-1");
    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Continue as guest" }).click();
    await page.getByRole("button", { name: "Browse all drinks" }).click();
    await page.getByRole("button", { name: "Zest Extra Lime" }).click();
    await page.waitForFunction(() => localStorage.getItem("proxima.kiosk.outbox") === "[]");

    await env.stopGateway();
    await page.getByRole("status").filter({ hasText: "Offline" }).waitFor();
    await screenshot(page, "kiosk-13-offline");
    await pourAndRate(page, "Loved it (5 of 5)", ["Quick and easy"]);
    await page.getByRole("button", { name: "Send rating" }).click();
    await page.getByRole("button", { name: "Done" }).click();
    const queued = await page.evaluate(
      () =>
        JSON.parse(localStorage.getItem("proxima.kiosk.outbox") ?? "[]") as { id: string; type: string }[],
    );
    expect(queued.map((e) => e.type)).toEqual(
      expect.arrayContaining(["pour.started", "pour.completed", "feedback.submitted", "kiosk.session_ended"]),
    );

    await env.startGateway();
    await page
      .getByRole("status")
      .filter({ hasText: "Offline" })
      .waitFor({ state: "detached", timeout: 15_000 });
    await page.waitForFunction(() => localStorage.getItem("proxima.kiosk.outbox") === "[]", undefined, {
      timeout: 15_000,
    });
    expect(problemsOf(page)).toEqual([]);
    await page.close();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a late resend to land
    await env.stopGateway();

    // the gateway's outbox appends every delivery (the cloud dedups): a resend would show here
    const outbox = await SqliteOutbox.open({ path: outboxPath(join(env.dir, "data")) });
    const batch = await outbox.nextBatch(0, 1_000_000, 1 << 30);
    await outbox.close();
    const stored = (batch?.events ?? []).map((text) => JSON.parse(text) as EventEnvelope);
    const sessionId = stored.find((e) => queued[0] && e.id === queued[0].id)?.data.sessionId;
    expect(sessionId).toEqual(expect.any(String));
    const session = stored.filter((e) => e.data.sessionId === sessionId);
    expect(new Set(session.map((e) => e.id)).size).toBe(session.length);
    for (const { id } of queued) expect(session.filter((e) => e.id === id)).toHaveLength(1);
    const types = session.map((e) => e.type);
    expect(types[0]).toBe("kiosk.session_started");
    expect(types.at(-1)).toBe("kiosk.session_ended");
    // guests get offers too; each one shown is answered once
    expect(types.filter((t) => t === "offer.declined")).toHaveLength(
      types.filter((t) => t === "offer.shown").length,
    );
    for (const type of ["product.chosen", "pour.started", "pour.completed", "feedback.submitted"])
      expect(types.filter((t) => t === type)).toHaveLength(1);
    await env.startGateway();
  });
});
