/**
 * The kiosk as a shopper feels it, in Chromium against a live gateway process:
 * - firstLoadMs: navigation → first frame with the menu from the gateway (the app's
 *   `kiosk:interactive` mark), production build served on loopback, cold browser context;
 * - tapToOffersP95Ms: the OK tap after a loyalty code → personalized offers painted
 *   (`kiosk:offers-painted`), against a gateway holding 100,000 profiles;
 * - bundleKbGzip: every script the first load fetched, gzipped as served.
 * Baseline in the same run: the raw `personalize` RPC round trip from Node (mqtt.js over
 * the gateway's WebSocket listener),
 * so `appOverheadP95Ms` says what the browser, React and WebSocket add.
 */
import { gzipSync } from "node:zlib";
import { newId, RpcResponse, topicsFor } from "@proxima/shared";
import { launchBrowser } from "../harness/index.js";
import { startKioskEnv } from "../src/kiosk-env.js";
import { ANA, loyaltyCode, VENUE_ID } from "../src/kiosk-fixtures.js";
import { benchOptions, percentile, report } from "./report.js";

const options = benchOptions();
const PROFILES = Number(process.env.KIOSK_BENCH_PROFILES ?? 100_000);
const LOADS = 7;
const TAPS = 60;
const log = (msg: string) => console.error(`[kiosk bench] ${msg}`);

const started = performance.now();
log(`starting a gateway with ${PROFILES.toLocaleString("en-US")} profiles…`);
const env = await startKioskEnv({ kiosks: ["kiosk-1", "kiosk-2"], profiles: PROFILES });
const profilesLine = env.gateway.lines.find((l) => l.includes('"profile cache loaded"'));
log(`gateway up in ${Math.round(performance.now() - started)} ms: ${profilesLine ?? "?"}`);
const browser = await launchBrowser();

try {
  // --- first load, cold context each time ---
  const loads: number[] = [];
  let scripts = new Map<string, number>();
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
    const page = await context.newPage();
    const fetched = new Map<string, number>();
    page.on("response", async (response) => {
      if (response.request().resourceType() !== "script") return;
      const body = await response.body();
      fetched.set(response.url(), gzipSync(body, { level: 9 }).length);
    });
    await page.goto(env.kioskUrl("kiosk-1"));
    await page.waitForFunction(
      () => performance.getEntriesByName("kiosk:interactive").length > 0,
      undefined,
      {
        timeout: 20_000,
      },
    );
    loads.push(await page.evaluate(() => performance.getEntriesByName("kiosk:interactive")[0]!.startTime));
    scripts = fetched;
    await context.close();
  }
  loads.sort((a, b) => a - b);
  const bundleKbGzip = [...scripts.values()].reduce((a, b) => a + b, 0) / 1024;

  // --- identify tap → offers painted ---
  const page = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
  await page.goto(env.kioskUrl("kiosk-1"));
  await page.getByRole("button", { name: "Touch to start" }).and(page.locator(":enabled")).waitFor();
  await page.evaluate(() => {
    const w = window as unknown as { okTaps: number[] };
    w.okTaps = [];
    window.addEventListener(
      "click",
      (event) => {
        if ((event.target as HTMLElement).closest("button")?.textContent === "OK")
          w.okTaps.push(event.timeStamp);
      },
      true,
    );
  });
  const taps: number[] = [];
  for (let i = 0; i < TAPS + 5; i++) {
    const code = i % 10 === 0 ? ANA.loyalty : loyaltyCode(Math.floor(Math.random() * PROFILES));
    await page.getByRole("button", { name: "Touch to start" }).click();
    await page.getByRole("button", { name: "Enter my loyalty code" }).click();
    for (const digit of code.slice(1)) await page.getByRole("button", { name: digit, exact: true }).click();
    await page.evaluate(() => performance.clearMarks("kiosk:offers-painted"));
    await page.getByRole("button", { name: "OK" }).click();
    await page.waitForFunction(() => performance.getEntriesByName("kiosk:offers-painted").length > 0);
    const ms = await page.evaluate(() => {
      const w = window as unknown as { okTaps: number[] };
      return performance.getEntriesByName("kiosk:offers-painted")[0]!.startTime - w.okTaps.at(-1)!;
    });
    if (!(await page.getByRole("heading", { level: 1, name: /^Hi / }).isVisible()))
      throw new Error(`shopper ${code} was not recognised: the bench measures personalized offers`);
    if (i >= 5) taps.push(ms); // the first few warm the JIT and the gateway's caches
    await page.getByRole("button", { name: "Start over" }).click();
  }
  taps.sort((a, b) => a - b);

  // --- baseline: the same RPC from Node, over the same WebSocket listener ---
  const topics = topicsFor(VENUE_ID);
  const client = await env.connectAsKiosk("kiosk-2", { transport: "ws" });
  await client.subscribeAsync(topics.rpcResponse("kiosk-2"), { qos: 1 });
  const waiting = new Map<string, () => void>();
  client.on("message", (_t, payload) => {
    const reply = RpcResponse.safeParse(JSON.parse(payload.toString()));
    if (reply.success) waiting.get(reply.data.id)?.();
  });
  const rpc: number[] = [];
  for (let i = 0; i < TAPS + 5; i++) {
    const id = newId();
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      waiting.set(id, resolve);
      client.publish(
        topics.rpcRequest("kiosk-2"),
        JSON.stringify({
          id,
          method: "personalize",
          params: {
            identity: { type: "loyalty", value: loyaltyCode(Math.floor(Math.random() * PROFILES)) },
            limit: 4,
          },
        }),
        { qos: 1 },
      );
    });
    if (i >= 5) rpc.push(performance.now() - t0);
  }
  rpc.sort((a, b) => a - b);
  await client.endAsync();

  const round = (n: number) => Math.round(n * 10) / 10;
  report(
    "kiosk: first load, identify → offers, bundle",
    {
      firstLoadMs: round(percentile(loads, 50)),
      firstLoadMaxMs: round(loads.at(-1)!),
      tapToOffersP50Ms: round(percentile(taps, 50)),
      tapToOffersP95Ms: round(percentile(taps, 95)),
      personalizeRpcP50Ms: round(percentile(rpc, 50)),
      personalizeRpcP95Ms: round(percentile(rpc, 95)),
      appOverheadP95Ms: round(percentile(taps, 95) - percentile(rpc, 95)),
      bundleKbGzip: round(bundleKbGzip),
      scripts: scripts.size,
      profiles: PROFILES,
      taps: taps.length,
    },
    options,
  );
} finally {
  await browser.close();
  await env.close();
}
