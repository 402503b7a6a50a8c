import { describe, expect, it } from "vitest";
import { KioskStatus, Nearby, PersonalizeParams, PersonalizeResult, RpcRequest, RpcResponse } from "./rpc.js";

describe("RPC contracts", () => {
  it("accepts DESIGN.md's request and both response forms", () => {
    const request = {
      id: "c1",
      method: "personalize",
      params: { identity: { type: "loyalty", value: "L-1001" } },
    };
    expect(RpcRequest.parse(request)).toEqual(request);
    expect(PersonalizeParams.parse(request.params)).toEqual(request.params);
    expect(RpcResponse.parse({ id: "c1", ok: true, result: {} })).toEqual({ id: "c1", ok: true, result: {} });
    expect(
      RpcResponse.parse({ id: "c1", ok: false, error: { code: "not_found", message: "no such shopper" } }),
    ).toMatchObject({
      ok: false,
    });
  });

  it("requires decisionId, customer and offers with offerId/title/reason", () => {
    const result = {
      decisionId: "d1",
      customer: { id: "cus_1", firstName: "Ana", segments: ["regulars"] },
      offers: [{ offerId: "o1", title: "Cherry Zero", reason: "Your usual", campaignId: "c", variant: "B" }],
    };
    expect(PersonalizeResult.parse(result)).toEqual(result);
    expect(PersonalizeResult.safeParse({ ...result, customer: null }).success).toBe(true);
    expect(PersonalizeResult.safeParse({ decisionId: "d1", offers: [] }).success).toBe(false);
    expect(PersonalizeResult.safeParse({ ...result, offers: [{ offerId: "o1", title: "T" }] }).success).toBe(
      false,
    );
  });

  it("refuses requests without a correlation id and errors with unknown codes", () => {
    expect(RpcRequest.safeParse({ method: "personalize" }).success).toBe(false);
    expect(RpcResponse.safeParse({ id: "x", ok: false, error: { code: "oops", message: "" } }).success).toBe(
      false,
    );
    expect(PersonalizeParams.safeParse({ identity: { type: "email", value: "a@b" } }).success).toBe(false);
  });

  it("validates kiosk status and nearby payloads", () => {
    expect(KioskStatus.parse({ state: "offline", ts: 5, reason: "will" })).toMatchObject({ reason: "will" });
    expect(KioskStatus.safeParse({ state: "gone", ts: 5 }).success).toBe(false);
    expect(Nearby.safeParse({ ts: 1, subject: "s", customer: { id: "c", firstName: "Ana" } }).success).toBe(
      true,
    );
  });
});
