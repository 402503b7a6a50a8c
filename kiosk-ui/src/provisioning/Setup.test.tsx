import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "./load.js";
import { Setup } from "./Setup.js";

afterEach(cleanup);

async function typePin(pin: string) {
  const keypad = screen.getByRole("group", { name: "Keypad" });
  for (const d of pin) await userEvent.click(within(keypad).getByRole("button", { name: d }));
  await userEvent.click(within(keypad).getByRole("button", { name: "Unlock" }));
}

describe("Setup", () => {
  it("stays locked on a wrong technician PIN and unlocks on the right one", async () => {
    const onSave = vi.fn();
    render(<Setup lock={{ technicianPinSha256: await sha256Hex("2468") }} onSave={onSave} />);
    expect(screen.getByRole("heading", { name: "This kiosk is not set up yet" })).toBeInTheDocument();
    await typePin("1111");
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong PIN. Try again.");
    expect(screen.queryByRole("textbox", { name: "Gateway WebSocket URL" })).toBeNull();
    await typePin("2468");
    await userEvent.type(
      await screen.findByRole("textbox", { name: "Gateway WebSocket URL" }),
      "http://nope",
    );
    await userEvent.type(screen.getByRole("textbox", { name: "Venue id" }), "store-042");
    await userEvent.type(screen.getByRole("textbox", { name: "Kiosk id" }), "kiosk-1");
    await userEvent.type(screen.getByLabelText("Kiosk secret"), "s3cret");
    await userEvent.click(screen.getByRole("button", { name: "Save and connect" }));
    expect(screen.getByRole("alert").textContent).toMatch(/gatewayUrl: must be a ws/);
    expect(onSave).not.toHaveBeenCalled();
    const url = screen.getByRole("textbox", { name: "Gateway WebSocket URL" });
    await userEvent.clear(url);
    await userEvent.type(url, "ws://10.0.0.2:8883");
    await userEvent.click(screen.getByRole("button", { name: "Save and connect" }));
    expect(onSave).toHaveBeenCalledWith(
      expect.objectContaining({
        gatewayUrl: "ws://10.0.0.2:8883",
        kioskId: "kiosk-1",
        idleTimeoutMs: 45_000,
      }),
      expect.objectContaining({ secret: "s3cret" }),
    );
  });

  it("says how to provision a kiosk that has no PIN either", () => {
    render(<Setup lock={null} problem="kiosk.json is not valid JSON" onSave={vi.fn()} />);
    expect(screen.getByRole("alert").textContent).toMatch(/not valid JSON/);
    expect(screen.getByText(/provisioning bundle/)).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: "Keypad" })).toBeNull();
  });
});
