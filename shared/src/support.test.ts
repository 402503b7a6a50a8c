import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "./clock.js";
import { ERROR_CODES, HTTP_STATUS, ProximaError } from "./errors.js";
import { idTimestamp, newId, UUID_RE } from "./ids.js";
import { decodeJson, formatPath, parseJson } from "./result.js";

describe("ids", () => {
  it("are UUIDv7 carrying their creation time, unique and sortable by time", () => {
    const a = newId(1_700_000_000_000);
    const b = newId(1_700_000_000_001);
    expect(a).toMatch(UUID_RE);
    expect(a[14]).toBe("7");
    expect(idTimestamp(a)).toBe(1_700_000_000_000);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 10_000 }, () => newId())).size).toBe(10_000);
  });
});

describe("ManualClock", () => {
  it("fires timers in due order while advancing, and not before", () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    const cancelled = clock.setTimeout(() => fired.push("never"), 50);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 10);
    }, 100);
    clock.clearTimeout(cancelled);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(200);
    expect(fired).toEqual(["a@1100", "c@1110", "b@1200"]);
    expect(clock.now()).toBe(1299);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("errors and results", () => {
  it("every code has an HTTP status", () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(new ProximaError("not_found", "no such customer").toJSON()).toEqual({
      code: "not_found",
      message: "no such customer",
    });
  });

  it("parseJson never throws on bad bytes", () => {
    const result = parseJson(new TextEncoder().encode("{oops"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("bad_json");
  });

  it("decodeJson lists each problem with its path", () => {
    const schema = z.object({ a: z.array(z.object({ b: z.number() })) });
    const result = decodeJson(schema, '{"a":[{"b":1},{"b":"x"}]}', "thing");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^invalid thing: a\[1\]\.b: /);
    expect(formatPath([])).toBe("(root)");
  });
});
