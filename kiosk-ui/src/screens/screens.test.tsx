import { ManualClock } from "@proxima/shared";
import { act, cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sampleMenu } from "../catalogue/sample.js";
import { Menu } from "../catalogue/snapshot.js";
import { Attract } from "./Attract.js";
import { Browse } from "./Browse.js";
import { Build } from "./Build.js";
import { Home } from "./Home.js";
import { IdentifyChoice, LoyaltyCode, QrScan } from "./Identify.js";
import { Confirm, Pouring } from "./Pour.js";
import { Rate, Thanks } from "./Rate.js";

afterEach(cleanup);
const menu = (levels: Record<string, number> = {}) => Menu.from(sampleMenu(levels));

describe("Attract", () => {
  it("invites anyone to start, and waits while there is no menu yet", async () => {
    const onStart = vi.fn();
    const { rerender } = render(
      <Attract greeting={null} ready={false} onStart={onStart} onStartAsGreeted={vi.fn()} />,
    );
    expect(screen.getByRole("button", { name: "Touch to start" })).toHaveProperty("disabled", true);
    rerender(<Attract greeting={null} ready onStart={onStart} onStartAsGreeted={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Touch to start" }));
    expect(onStart).toHaveBeenCalledOnce();
  });

  it("greets a consented regular by first name", async () => {
    const onGreeted = vi.fn();
    const nearby = {
      ts: 1,
      subject: "ibeacon:x:1:2",
      customer: { id: "c1", firstName: "Ana", segments: [] },
    };
    render(<Attract greeting={nearby} ready onStart={vi.fn()} onStartAsGreeted={onGreeted} />);
    expect(screen.getByRole("heading", { name: "Hi Ana!" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Start as Ana" }));
    expect(onGreeted).toHaveBeenCalledWith(nearby);
    expect(screen.getByRole("button", { name: "Not me" })).toBeInTheDocument();
  });
});

describe("Identify", () => {
  it("offers loyalty code, QR and guest", async () => {
    const onGuest = vi.fn();
    render(<IdentifyChoice onCode={vi.fn()} onQr={vi.fn()} onGuest={onGuest} onCancel={vi.fn()} />);
    expect(screen.getByRole("button", { name: "Enter my loyalty code" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Scan my QR code" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Continue as guest" }));
    expect(onGuest).toHaveBeenCalled();
  });

  it("takes a loyalty code on the keypad, with delete", async () => {
    const onSubmit = vi.fn();
    render(<LoyaltyCode prefix="L-" onSubmit={onSubmit} onCancel={vi.fn()} />);
    const keypad = screen.getByRole("group", { name: "Keypad" });
    expect(within(keypad).getByRole("button", { name: "OK" })).toHaveProperty("disabled", true);
    for (const d of ["1", "0", "0", "9", "4", "2"])
      await userEvent.click(within(keypad).getByRole("button", { name: d }));
    await userEvent.click(within(keypad).getByRole("button", { name: "Delete last digit" }));
    await userEvent.click(within(keypad).getByRole("button", { name: "2" }));
    expect(screen.getByRole("status", { name: "Loyalty code" }).textContent).toBe("L-100942");
    await userEvent.click(within(keypad).getByRole("button", { name: "OK" }));
    expect(onSubmit).toHaveBeenCalledWith("L-100942");
  });

  it("reads a keyboard-wedge QR scanner: characters then Enter", async () => {
    const onScanned = vi.fn();
    render(<QrScan onScanned={onScanned} onUseKeypad={vi.fn()} onCancel={vi.fn()} />);
    expect(screen.getByRole("heading", { name: "Scan your QR code" })).toBeInTheDocument();
    await userEvent.keyboard("L-100042{Enter}");
    expect(onScanned).toHaveBeenCalledWith("L-100042");
  });
});

describe("Home", () => {
  const personal = {
    decisionId: "d-1",
    customer: { id: "c1", firstName: "Ana", segments: [] },
    offers: [
      { offerId: "o-usual", title: "Cherry Cola", reason: "Your usual", productId: "cherry-cola" },
      {
        offerId: "o-2",
        title: "Vanilla Zero",
        reason: "New flavour you might like",
        productId: "vanilla-zero",
      },
      { offerId: "o-3", title: "Peach Spark", reason: "20% off this week", productId: "peach-spark" },
    ],
  };

  it("shows your usual, offers with their reasons in plain words, and popular now", async () => {
    const onAccept = vi.fn();
    render(
      <Home
        menu={menu({ peach: 0 })}
        personal={personal}
        notice={null}
        onAcceptOffer={onAccept}
        onChooseProduct={vi.fn()}
        onBrowse={vi.fn()}
        onBuild={vi.fn()}
        onFinish={vi.fn()}
      />,
    );
    expect(screen.getByRole("heading", { level: 1, name: /Hi Ana/ })).toBeInTheDocument();
    const usual = screen.getByRole("region", { name: "Your usual" });
    await userEvent.click(within(usual).getByRole("button", { name: "Cherry Cola: Your usual" }));
    expect(onAccept).toHaveBeenCalledWith(personal.offers[0]);
    const picked = screen.getByRole("region", { name: "Picked for you" });
    expect(
      within(picked).getByRole("button", { name: "Vanilla Zero: New flavour you might like" }),
    ).toBeInTheDocument();
    // the peach cartridge is empty: the offer is there but cannot be taken
    expect(
      within(picked).getByRole("button", { name: "Peach Spark: 20% off this week (out of stock)" }),
    ).toHaveProperty("disabled", true);
    const popular = screen.getByRole("region", { name: "Popular right now" });
    expect(
      within(popular)
        .getAllByRole("button")
        .map((b) => b.getAttribute("aria-label")),
    ).toEqual(["Lime Spark", "Classic Cola"]);
  });

  it("gives a guest no 'usual', even when an offer is a crowd favourite", () => {
    render(
      <Home
        menu={menu()}
        personal={{
          decisionId: "d-2",
          customer: null,
          offers: [{ offerId: "p", title: "Classic Cola", reason: "A crowd favourite", productId: "cola" }],
        }}
        notice={null}
        onAcceptOffer={vi.fn()}
        onChooseProduct={vi.fn()}
        onBrowse={vi.fn()}
        onBuild={vi.fn()}
        onFinish={vi.fn()}
      />,
    );
    expect(screen.queryByRole("region", { name: "Your usual" })).toBeNull();
    expect(screen.getByRole("button", { name: "Classic Cola: A crowd favourite" })).toBeInTheDocument();
  });

  it("works for a guest, with no offers, and says why when offline", () => {
    render(
      <Home
        menu={menu()}
        personal={null}
        notice="We can't reach the store system right now, but every drink still pours."
        onAcceptOffer={vi.fn()}
        onChooseProduct={vi.fn()}
        onBrowse={vi.fn()}
        onBuild={vi.fn()}
        onFinish={vi.fn()}
      />,
    );
    expect(screen.getByRole("heading", { level: 1, name: "What would you like?" })).toBeInTheDocument();
    expect(screen.getByRole("status").textContent).toMatch(/every drink still pours/);
    expect(screen.queryByRole("region", { name: "Picked for you" })).toBeNull();
    expect(screen.getByRole("button", { name: "Mix your own" })).toBeInTheDocument();
  });
});

describe("Browse", () => {
  it("filters by brand and by flavour, and greys out what cannot be poured", async () => {
    const onChoose = vi.fn();
    render(<Browse menu={menu({ lime: 0 })} onChoose={onChoose} onBack={vi.fn()} />);
    await userEvent.click(
      within(screen.getByRole("group", { name: "Brand" })).getByRole("button", { name: "Citrus Spark" }),
    );
    expect(screen.getByRole("button", { name: "Lime Spark, out of stock" })).toHaveProperty("disabled", true);
    expect(screen.queryByRole("button", { name: "Cherry Cola" })).toBeNull();
    await userEvent.click(
      within(screen.getByRole("group", { name: "Brand" })).getByRole("button", { name: "All brands" }),
    );
    await userEvent.click(
      within(screen.getByRole("group", { name: "Flavour" })).getByRole("button", { name: "Cherry" }),
    );
    await userEvent.click(screen.getByRole("button", { name: "Cherry Cola" }));
    expect(onChoose).toHaveBeenCalledWith(expect.objectContaining({ id: "cherry-cola" }));
  });
});

describe("Build", () => {
  it("mixes a base and up to three shots, with empty cartridges disabled", async () => {
    const onChoose = vi.fn();
    render(<Build menu={menu({ cherry: 0 })} onChoose={onChoose} onBack={vi.fn()} />);
    expect(screen.getByRole("button", { name: "Pick a base first" })).toHaveProperty("disabled", true);
    const shots = screen.getByRole("group", { name: /flavour shots/ });
    expect(within(shots).getByRole("button", { name: "Cherry (out of stock)" })).toHaveProperty(
      "disabled",
      true,
    );
    await userEvent.click(
      within(screen.getByRole("group", { name: /base/ })).getByRole("button", { name: "Cola" }),
    );
    for (const f of ["Vanilla", "Lime", "Peach"])
      await userEvent.click(within(shots).getByRole("button", { name: f }));
    expect(screen.getByText("(3 of 3)")).toBeInTheDocument();
    expect(within(shots).getByRole("button", { name: "Vanilla" }).getAttribute("aria-pressed")).toBe("true");
    // a fourth shot is not possible until one is removed
    await userEvent.click(within(shots).getByRole("button", { name: "Lime" }));
    expect(within(shots).getByRole("button", { name: "Lime" }).getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("img", { name: "Preview: Cola + Vanilla + Peach" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Pour this mix" }));
    expect(onChoose).toHaveBeenCalledWith(
      expect.objectContaining({ productId: null, baseId: "cola", flavourIds: ["vanilla", "peach"] }),
    );
  });

  it("names a mix that is a catalogue product after it", async () => {
    const onChoose = vi.fn();
    render(<Build menu={menu()} onChoose={onChoose} onBack={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Cola" }));
    await userEvent.click(screen.getByRole("button", { name: "Cherry" }));
    await userEvent.click(screen.getByRole("button", { name: "Pour this mix" }));
    expect(onChoose).toHaveBeenCalledWith(
      expect.objectContaining({ productId: "cherry-cola", name: "Cherry Cola" }),
    );
  });
});

describe("Confirm and pour", () => {
  const drink = {
    productId: "cherry-cola",
    name: "Cherry Cola",
    brandId: "classic",
    baseId: "cola",
    flavourIds: ["cherry"],
  };

  it("confirms the drink before pouring", async () => {
    const onPour = vi.fn();
    render(<Confirm menu={menu()} drink={drink} onPour={onPour} onBack={vi.fn()} />);
    expect(screen.getByRole("heading", { name: "Cherry Cola" })).toBeInTheDocument();
    expect(screen.getByText(/Cola with Cherry · 400 ml/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Pour" }));
    expect(onPour).toHaveBeenCalled();
  });

  it("shows pour progress and finishes", () => {
    const clock = new ManualClock(0);
    const onDone = vi.fn();
    render(<Pouring menu={menu()} drink={drink} durationMs={2000} clock={clock} onDone={onDone} />);
    const bar = screen.getByRole("progressbar", { name: "Pouring" });
    act(() => clock.advance(1000));
    expect(bar.getAttribute("aria-valuenow")).toBe("50");
    act(() => clock.advance(1000));
    expect(bar.getAttribute("aria-valuenow")).toBe("100");
    expect(onDone).toHaveBeenCalledWith(400, 2000);
  });
});

describe("Rate and thanks", () => {
  it("rates with one tap on a face, reasons optional", async () => {
    const onSubmit = vi.fn();
    render(<Rate onSubmit={onSubmit} onSkip={vi.fn()} />);
    const faces = screen.getByRole("radiogroup", { name: "Your rating" });
    expect(within(faces).getAllByRole("radio")).toHaveLength(5);
    await userEvent.click(within(faces).getByRole("radio", { name: "Loved it (5 of 5)" }));
    await userEvent.click(screen.getByRole("button", { name: "Tasty" }));
    await userEvent.click(screen.getByRole("button", { name: "Send rating" }));
    expect(onSubmit).toHaveBeenCalledWith(5, ["Tasty"]);
  });

  it("thanks the shopper by name", () => {
    render(<Thanks name="Ana" onDone={vi.fn()} />);
    expect(screen.getByRole("heading", { name: "Thanks, Ana!" })).toBeInTheDocument();
  });
});
