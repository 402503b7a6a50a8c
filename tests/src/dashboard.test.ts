/**
 * The manager dashboard end to end: the production build in real Chromium against a real
 * `proxima-cloud serve` process (SQLite) seeded by `proxima-cloud demo seed`. Sign in,
 * watch live occupancy change when a gateway posts presence events to POST /v1/events
 * (≤ 2 s on screen), open footfall for last week, export a CSV, open a customer.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventEnvelope, newId } from "@proxima/shared";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cloudCli,
  launchBrowser,
  packageBin,
  type RunningProcess,
  repoRoot,
  screenshot,
  startProcess,
} from "../harness/index.js";

const CLOUD = packageBin("cloud-api", "proxima-cloud");
const work = mkdtempSync(join(tmpdir(), "dashboard-e2e-"));
const database = join(work, "cloud.db");
const EMAIL = "manager@example.com";
const PASSWORD = "a long demo password";
const VENUE = "store-042";

let cloud: RunningProcess;
let browser: Browser;
let page: Page;
let token: string;

async function post(events: EventEnvelope[]): Promise<void> {
  const res = await fetch(`${cloud.url}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  const body = (await res.json()) as { accepted: number; rejected: unknown[] };
  if (res.status !== 200 || body.rejected.length > 0)
    throw new Error(`ingest refused: ${JSON.stringify(body)}`);
}

const gateway = { kind: "gateway" as const, id: "gw-a" };

beforeAll(async () => {
  if (!existsSync(join(repoRoot, "dashboard", "dist", "index.html")))
    throw new Error(
      "dashboard is not built (dashboard/dist missing): run `pnpm --filter @proxima/dashboard build` or the test command from the README",
    );
  cloudCli(database, [
    "demo",
    "seed",
    "--venue-file",
    join(repoRoot, "edge-gateway", "examples", "venue.json"),
    "--days",
    "21",
  ]);
  cloudCli(database, [
    "user",
    "add",
    "--email",
    EMAIL,
    "--name",
    "Mia Manager",
    "--role",
    "manager",
    "--venues",
    VENUE,
    "--password",
    PASSWORD,
  ]);
  const created = cloudCli(database, [
    "token",
    "create",
    "--source",
    "gateway:gw-a",
    "--venue",
    VENUE,
    "--json",
  ]);
  token = (JSON.parse(created.trim().split("\n").at(-1)!) as { token: string }).token;
  cloud = await startProcess(CLOUD, {
    args: ["serve", "--port", "0"],
    env: { PROXIMA_DATABASE_URL: database },
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("manager dashboard in Chromium", () => {
  it("signs in and lands on the live view of the manager's venue", async () => {
    await page.goto(cloud.url);
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Live — Downtown" }).waitFor();
    await page.locator(".kpi-value.status-live").waitFor();
    // a manager's venue picker offers only their venue
    expect(await page.locator(".venue-picker option").allTextContents()).toEqual(["Downtown (store-042)"]);
  });

  it("shows a presence change within 2 s of it reaching the cloud", async () => {
    const cell = page.getByTestId("occupancy-kiosk-2");
    const before = Number(await cell.textContent());
    const subject = { type: "subject" as const, value: "ibeacon:e2e00000-0000-4000-8000-000000000001:1:1" };
    const now = Date.now();
    const sent = performance.now();
    await post([
      {
        id: newId(now),
        ts: now,
        venueId: VENUE,
        source: gateway,
        type: "presence.enter",
        identity: subject,
        data: { zone: "kiosk-2" },
      },
    ]);
    await page.waitForFunction(
      ([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent) === n,
      ["occupancy-kiosk-2", before + 1] as const,
      { timeout: 2000 },
    );
    const onScreenMs = performance.now() - sent;
    expect(onScreenMs).toBeLessThan(2000);
    await screenshot(page, "dashboard-live");
    const later = Date.now();
    await post([
      {
        id: newId(later),
        ts: later,
        venueId: VENUE,
        source: gateway,
        type: "presence.exit",
        identity: subject,
        data: { zone: "kiosk-2", dwellMs: later - now },
      },
    ]);
    await page.waitForFunction(
      ([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent) === n,
      ["occupancy-kiosk-2", before] as const,
      { timeout: 2000 },
    );
  });

  it("opens footfall for last week and exports a table as CSV", async () => {
    await page.getByRole("link", { name: "Footfall" }).click();
    await page.getByRole("button", { name: "Last week" }).click();
    await expect.poll(() => page.url()).toContain("preset=last-week");
    await page.getByRole("heading", { name: "Footfall per zone and hour" }).waitFor();
    await page.locator("table.heatmap").waitFor();
    await page.getByRole("heading", { name: "Zone → kiosk" }).waitFor();
    const visits = Number((await page.getByTestId("footfall-visits").textContent())!.replace(/,/g, ""));
    expect(visits).toBeGreaterThan(100);
    await page.waitForTimeout(300); // let the chart settle for the screenshot
    await screenshot(page, "dashboard-footfall");

    const block = page.locator(".table-block", {
      has: page.getByRole("heading", { name: "Footfall per zone and hour" }),
    });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      block.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8");
    const [header, ...rows] = csv.trim().split("\r\n");
    expect(header).toBe(
      'zone,hour start (Europe/Berlin),"start (UTC, ISO 8601)",visitors,visits,dwell p50 (s),dwell p90 (s)',
    );
    expect(rows.length).toBeGreaterThan(50);
    const total = rows.reduce((s, r) => s + Number(r.split(",").at(-3)), 0);
    expect(total).toBe(visits);
  });

  it("cannot open another venue by URL", async () => {
    await page.goto(`${cloud.url}/#/footfall/store-017`);
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("you may not read venue");
  });

  it("shows customer metrics with their definitions", async () => {
    await page.goto(`${cloud.url}/#/customers/${VENUE}`);
    await page.getByTestId("metric-acquisitionRate").waitFor();
    expect(await page.locator(".metric-definition").count()).toBe(10);
    await page.getByRole("heading", { name: "Lifecycle stages" }).waitFor();
    // every table exports: here the metrics with their definitions
    const block = page.locator(".table-block", {
      has: page.getByRole("heading", { name: "Metrics and their definitions" }),
    });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      block.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.split("\r\n")[0]).toBe("metric,value,unit,definition");
    expect(csv).toContain("Acquisition rate,");
  });

  it("looks a customer up and renders the cross-channel timeline", async () => {
    const loyalty = { type: "loyalty" as const, value: "L-E2E-0001" };
    const t = Date.now() - 60_000;
    await post([
      {
        id: newId(t),
        ts: t,
        venueId: VENUE,
        source: gateway,
        type: "presence.enter",
        identity: { type: "subject", value: "ibeacon:e2e00000-0000-4000-8000-000000000001:1:2" },
        identities: [loyalty],
        data: { zone: "kiosk-1" },
      },
    ]);
    const kioskToken = JSON.parse(
      cloudCli(database, ["token", "create", "--source", "kiosk:kiosk-1", "--venue", VENUE, "--json"])
        .trim()
        .split("\n")
        .at(-1)!,
    ) as { token: string };
    const res = await fetch(`${cloud.url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${kioskToken.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        events: [
          {
            id: newId(t + 5000),
            ts: t + 5000,
            venueId: VENUE,
            source: { kind: "kiosk", id: "kiosk-1" },
            type: "pour.completed",
            identity: loyalty,
            data: { productId: "cola-zero", ml: 400 },
          },
          {
            id: newId(t + 9000),
            ts: t + 9000,
            venueId: VENUE,
            source: { kind: "kiosk", id: "kiosk-1" },
            type: "feedback.submitted",
            identity: loyalty,
            data: { rating: 5 },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    await page.getByRole("link", { name: "Customer lookup" }).click();
    await page.getByLabel("Value").fill(loyalty.value);
    await page.getByRole("button", { name: "Find customer" }).click();
    const timeline = page.getByTestId("timeline");
    await timeline.waitFor();
    await expect.poll(() => timeline.textContent()).toContain("Poured cola-zero (400 ml) at kiosk-1");
    expect(await timeline.textContent()).toContain("Rated the experience");
    expect(await timeline.textContent()).toContain("Walked into kiosk-1");
    await screenshot(page, "dashboard-customer");
  });
});
