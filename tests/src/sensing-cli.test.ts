/**
 * The sensing commands as users run them (the built `proxima-gateway` bin):
 * simulate → replay → evaluate, determinism, malformed trace lines, bad venues, and a
 * machine without Bluetooth.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PresenceEvent, TraceRecord } from "@proxima/shared";
import { afterAll, describe, expect, it } from "vitest";
import { packageBin, repoRoot } from "../harness/index.js";

const bin = packageBin("edge-gateway", "proxima-gateway");
const dir = mkdtempSync(join(tmpdir(), "proxima-sensing-"));
const venue = join(repoRoot, "edge-gateway", "examples", "venue.json");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "");

describe("proxima-gateway simulate / replay / evaluate", () => {
  const out = join(dir, "sim");
  it("simulate writes trace, truth and the venue with its wall beacons", async () => {
    const r = await cli([
      "simulate",
      "--venue",
      venue,
      "--out",
      out,
      "--duration",
      "4m",
      "--visitors",
      "10",
      "--seed",
      "3",
    ]);
    expect(r.stderr).toContain('"msg":"simulated"');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["radio.json", "trace.jsonl", "truth.jsonl", "venue.json"]);
    const trace = lines(join(out, "trace.jsonl"));
    expect(trace.length).toBeGreaterThan(10_000);
    expect(TraceRecord.safeParse(JSON.parse(trace[0]!)).success).toBe(true);
  });

  it("replay runs the pipeline in virtual time, deterministically, and evaluate scores it", async () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const ra = await cli([
      "replay",
      "--venue",
      join(out, "venue.json"),
      "--trace",
      join(out, "trace.jsonl"),
      "--out",
      a,
    ]);
    expect(ra.code).toBe(0);
    const summary = JSON.parse(ra.stderr.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ msg: "replayed", badLines: 0 });
    // 4 simulated minutes take well under their own time
    expect(summary.seconds).toBeLessThan(30);
    const rb = await cli([
      "replay",
      "--venue",
      join(out, "venue.json"),
      "--trace",
      join(out, "trace.jsonl"),
      "--out",
      b,
    ]);
    expect(rb.code).toBe(0);
    expect(readFileSync(b, "utf8")).toBe(readFileSync(a, "utf8"));
    const events = lines(a).map((l) => PresenceEvent.parse(JSON.parse(l)));
    expect(events.length).toBeGreaterThan(10);

    const ev = await cli(["evaluate", "--truth", join(out, "truth.jsonl"), "--presence", a, "--json"]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain("zone-time accuracy");
    const figures = JSON.parse(ev.stdout.trim().split("\n").at(-1)!);
    expect(figures.accuracy).toBeGreaterThan(0.9);
    expect(figures.spuriousSubjects).toEqual([]);
    expect(figures.missingSubjects).toEqual([]);
  });

  it("reports malformed trace lines with their line numbers, skips them and loses nothing else (stdin)", async () => {
    const good = lines(join(out, "trace.jsonl")).slice(0, 3000);
    const trace = [
      ...good.slice(0, 2),
      "{not json",
      good[2]!,
      '{"ts":-5,"scanner":"gw-a"}',
      ...good.slice(3),
    ].join("\n");
    const withBad = await cli(["replay", "--venue", join(out, "venue.json"), "--trace", "-"], trace);
    const clean = await cli(["replay", "--venue", join(out, "venue.json"), "--trace", "-"], good.join("\n"));
    expect(withBad.code).toBe(0);
    expect(withBad.stderr).toMatch(/stdin:3: skipped: .*not valid JSON/);
    expect(withBad.stderr).toMatch(/stdin:5: skipped: invalid trace line 5/);
    expect(JSON.parse(withBad.stderr.trim().split("\n").at(-1)!)).toMatchObject({
      records: 3000,
      badLines: 2,
    });
    expect(withBad.stdout).toBe(clean.stdout);
  });

  it("refuses a venue with unknown zones, duplicate ids and zoneless scanners, listing every problem", async () => {
    const bad = join(dir, "bad-venue.json");
    writeFileSync(
      bad,
      JSON.stringify({
        venueId: "v",
        name: "Bad",
        scanners: [
          { id: "s1", zone: "lobby", position: { x: 0, y: 0 } },
          { id: "s1", zone: "a", position: { x: 1, y: 0 } },
          { id: "s3", position: { x: 2, y: 0 } },
        ],
        zones: [
          { id: "a", name: "A", kind: "area" },
          { id: "a", name: "A again", kind: "area" },
        ],
      }),
    );
    const r = await cli(["replay", "--venue", bad, "--trace", "-"], "");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('scanners[0].zone: unknown zone "lobby"');
    expect(r.stderr).toContain('scanners[1].id: duplicate scanner id "s1"');
    expect(r.stderr).toContain("scanners[2].zone");
    expect(r.stderr).toContain('zones[1].id: duplicate zone id "a"');
  });
});

describe("proxima-gateway record", () => {
  it("captures a trace in the contract format (simulated radio)", async () => {
    const path = join(dir, "recorded.jsonl");
    const r = await cli([
      "record",
      "--venue",
      venue,
      "--scanner",
      "simulate",
      "--out",
      path,
      "--duration",
      "4s",
    ]);
    expect(r.code).toBe(0);
    const recorded = lines(path);
    expect(recorded.length).toBeGreaterThan(15);
    for (const l of recorded.slice(0, 200)) expect(TraceRecord.safeParse(JSON.parse(l)).success).toBe(true);
  });

  it("on a machine without Bluetooth says so (no_adapter, EAFNOSUPPORT) and how to run without one", async () => {
    const hasAdapter = existsSync("/sys/class/bluetooth") && readdirSync("/sys/class/bluetooth").length > 0;
    const r = await cli(["record", "--venue", venue, "--out", join(dir, "none.jsonl"), "--duration", "1s"]);
    if (hasAdapter) expect(r.code).toBe(0);
    else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no_adapter");
      expect(r.stderr).toContain("EAFNOSUPPORT");
      expect(r.stderr).toContain("--scanner simulate");
      expect(r.stderr).toContain("--scanner replay");
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    }
  });
});
