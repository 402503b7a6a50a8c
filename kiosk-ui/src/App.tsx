import {
  type Clock,
  type KioskProvisioning,
  type Nearby,
  type Offer,
  type PersonalizeResult,
  type Product,
  type ShopperIdentity,
  systemClock,
} from "@proxima/shared";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type CatalogueSnapshot, levelsAfterPour, Menu, type SnapshotStore } from "./catalogue/snapshot.js";
import type { EventQueue } from "./events/queue.js";
import type { KioskLink, LinkState } from "./gateway/link.js";
import { Attract } from "./screens/Attract.js";
import { Browse } from "./screens/Browse.js";
import { Build } from "./screens/Build.js";
import { Home } from "./screens/Home.js";
import { IdentifyChoice, LoyaltyCode, QrScan } from "./screens/Identify.js";
import { Confirm, Pouring } from "./screens/Pour.js";
import { afterPaint } from "./screens/paint.js";
import { Rate, Thanks } from "./screens/Rate.js";
import { type Drink, drinkOf, POUR_ML } from "./session/drink.js";
import { type EndReason, SessionTracker } from "./session/tracker.js";

type Screen =
  | { name: "attract" }
  | { name: "choose" }
  | { name: "code" }
  | { name: "qr" }
  | { name: "finding" }
  | { name: "home" }
  | { name: "browse" }
  | { name: "build" }
  | { name: "confirm"; drink: Drink }
  | { name: "pour"; drink: Drink }
  | { name: "rate"; drink: Drink }
  | { name: "thanks" };

interface Shopper {
  identity: ShopperIdentity;
  personal: PersonalizeResult | null;
  notice: string | null;
}

export interface AppProps {
  link: KioskLink;
  config: Pick<KioskProvisioning, "venueId" | "kioskId" | "idleTimeoutMs"> &
    Partial<Pick<KioskProvisioning, "loyaltyPrefix">>;
  queue: EventQueue;
  snapshots: SnapshotStore;
  clock?: Clock;
  pourMs?: number;
  thanksMs?: number;
  /** how often the menu and stock levels are re-read from the gateway */
  refreshMs?: number;
}

const OFFER_SLOTS = 4;

/** What was poured, on every drink event: a catalogue product id, or the mix itself (never a made-up id). */
function drinkData(drink: Drink): Record<string, unknown> {
  return drink.productId
    ? { productId: drink.productId, baseId: drink.baseId, flavourIds: drink.flavourIds }
    : { custom: true, baseId: drink.baseId, flavourIds: drink.flavourIds };
}

export function App({
  link,
  config,
  queue,
  snapshots,
  clock = systemClock,
  pourMs = 3500,
  thanksMs = 6000,
  refreshMs = 15_000,
}: AppProps) {
  const tracker = useMemo(
    () => new SessionTracker(queue, { venueId: config.venueId, kioskId: config.kioskId }, clock),
    [queue, config.venueId, config.kioskId, clock],
  );
  const [linkState, setLinkState] = useState<LinkState>(link.state);
  const [snapshot, setSnapshot] = useState<CatalogueSnapshot | null>(() => snapshots.load());
  const [screen, setScreen] = useState<Screen>({ name: "attract" });
  const [greeting, setGreeting] = useState<Nearby | null>(null);
  const [shopper, setShopper] = useState<Shopper | null>(null);
  const session = useRef(0);
  const identifying = useRef(false);
  const menu = useMemo(() => (snapshot ? Menu.from(snapshot) : null), [snapshot]);
  const ready = menu !== null;
  useEffect(() => {
    // the first frame a shopper can use: measured in the field and by `pnpm bench kiosk`
    if (ready) afterPaint(() => performance.mark("kiosk:interactive"));
  }, [ready]);

  // --- the gateway: link state, menu and stock, who walks up ---
  const refresh = useCallback(async () => {
    if (link.state !== "online") return;
    try {
      const next = await link.call("catalogue", {});
      snapshots.save(next);
      setSnapshot(next);
    } catch {
      // keep the last menu: the offline badge already tells the shopper
    }
  }, [link, snapshots]);

  const pendingReport = useRef(false);
  const reportStock = useCallback(async () => {
    const current = snapshots.load();
    if (!pendingReport.current || !current || link.state !== "online") return;
    try {
      await link.call("reportStock", current.stock);
      pendingReport.current = false;
    } catch {
      // offline: reported on reconnect
    }
  }, [link, snapshots]);

  /** The simulated dispenser spent cartridge: keep pouring from the new levels and tell the gateway. */
  const spend = useCallback(
    (drink: Drink) => {
      const current = snapshots.load();
      if (!current) return;
      const next = {
        ...current,
        stock: levelsAfterPour(current.stock, drink.baseId, drink.flavourIds, clock.now()),
      };
      snapshots.save(next);
      setSnapshot(next);
      pendingReport.current = true;
      void reportStock();
    },
    [snapshots, clock, reportStock],
  );
  useEffect(() => {
    const off = link.onState((state) => {
      setLinkState(state);
      if (state === "online") void reportStock().then(refresh);
    });
    void refresh();
    return off;
  }, [link, refresh, reportStock]);

  useEffect(() => {
    const timer = setInterval(() => void refresh(), refreshMs);
    return () => clearInterval(timer);
  }, [refresh, refreshMs]);

  const screenName = screen.name;
  useEffect(
    () =>
      link.onNearby((nearby) => {
        // a greeting only on the idle screen: never interrupt someone else's session
        if (screenName === "attract") setGreeting(nearby);
      }),
    [link, screenName],
  );

  // --- session lifecycle ---
  const endSession = useCallback(
    (reason: EndReason) => {
      tracker.end(reason);
      session.current++;
      // wipe everything about the shopper
      setShopper(null);
      setGreeting(null);
      setScreen({ name: "attract" });
    },
    [tracker],
  );

  const begin = useCallback(
    (how: "touch" | "nearby") => {
      tracker.start(how);
      void refresh();
    },
    [tracker, refresh],
  );

  const identify = useCallback(
    async (identity: ShopperIdentity) => {
      if (identifying.current) return; // a second tap on OK while the first is answered
      identifying.current = true;
      const mine = session.current;
      // the gateway answers in a few ms: a "finding" screen only if it does not
      const slow = clock.setTimeout(() => setScreen({ name: "finding" }), 150);
      let personal: PersonalizeResult | null = null;
      let notice: string | null = null;
      try {
        personal = await link.call("personalize", { identity, limit: OFFER_SLOTS });
      } catch {
        notice = "We can't reach the store system right now, but every drink still pours.";
      } finally {
        clock.clearTimeout(slow);
        identifying.current = false;
      }
      if (mine !== session.current) return; // the session ended while we waited
      if (personal && identity.type !== "anonymous" && personal.customer === null)
        notice = "We couldn't find that code. You can still pick any drink.";
      setShopper({ identity, personal, notice });
      setScreen({ name: "home" });
      // recorded now, not after the paint: a quick tap on an offer must find it shown
      tracker.identify(identity, personal?.customer?.id ?? null);
      if (personal) tracker.offersShown(personal.decisionId, personal.offers);
    },
    [link, tracker, clock],
  );

  const chooseDrink = useCallback(
    (drink: Drink) => {
      if (!drink.offer) tracker.declineRemaining("chose another drink");
      tracker.track("product.chosen", {
        ...drinkData(drink),
        ...(drink.priceCents !== undefined ? { priceCents: drink.priceCents } : {}),
        ...(drink.offer ? { offerId: drink.offer.offerId } : {}),
      });
      setScreen({ name: "confirm", drink });
    },
    [tracker],
  );

  const acceptOffer = useCallback(
    (offer: Offer) => {
      const decisionId = shopper?.personal?.decisionId;
      const product = offer.productId ? menu?.products.get(offer.productId) : undefined;
      if (!decisionId || !product) return;
      tracker.offerAccepted(offer.offerId);
      tracker.declineRemaining("accepted another offer");
      chooseDrink(drinkOf(product, { offerId: offer.offerId, decisionId }));
    },
    [shopper, menu, tracker, chooseDrink],
  );

  // --- idle: any screen but the attract screen and a running pour goes back after a quiet spell ---
  const idleMs = screen.name === "thanks" ? thanksMs : config.idleTimeoutMs;
  useEffect(() => {
    if (screen.name === "attract" || screen.name === "pour" || screen.name === "finding") return;
    let timer = clock.setTimeout(expire, idleMs);
    function expire() {
      endSession(screen.name === "thanks" ? "completed" : "idle");
    }
    const touched = () => {
      clock.clearTimeout(timer);
      timer = clock.setTimeout(expire, idleMs);
    };
    window.addEventListener("pointerdown", touched, true);
    window.addEventListener("keydown", touched, true);
    return () => {
      clock.clearTimeout(timer);
      window.removeEventListener("pointerdown", touched, true);
      window.removeEventListener("keydown", touched, true);
    };
  }, [screen.name, idleMs, clock, endSession]);

  const body = (() => {
    if (!menu || screen.name === "attract")
      return (
        <Attract
          menu={menu}
          greeting={greeting}
          ready={menu !== null}
          onStart={() => {
            begin("touch");
            setScreen({ name: "choose" });
          }}
          onStartAsGreeted={(nearby) => {
            begin("nearby");
            void identify(
              nearby.identity?.type === "loyalty"
                ? { type: "loyalty", value: nearby.identity.value }
                : { type: "subject", value: nearby.subject },
            );
          }}
        />
      );
    const home = () => setScreen({ name: "home" });
    switch (screen.name) {
      case "choose":
        return (
          <IdentifyChoice
            onCode={() => setScreen({ name: "code" })}
            onQr={() => setScreen({ name: "qr" })}
            onGuest={() => void identify({ type: "anonymous", value: "" })}
            onCancel={() => endSession("cancelled")}
          />
        );
      case "code":
        return (
          <LoyaltyCode
            prefix={config.loyaltyPrefix ?? "L"}
            onSubmit={(code) => void identify({ type: "loyalty", value: code })}
            onCancel={() => setScreen({ name: "choose" })}
          />
        );
      case "qr":
        return (
          <QrScan
            onScanned={(code) => void identify({ type: "qr", value: code })}
            onUseKeypad={() => setScreen({ name: "code" })}
            onCancel={() => setScreen({ name: "choose" })}
          />
        );
      case "finding":
        return (
          <section className="screen" aria-labelledby="title" aria-busy="true">
            <h1 id="title">Finding your favourites…</h1>
          </section>
        );
      case "home":
        return (
          <Home
            menu={menu}
            personal={shopper?.personal ?? null}
            notice={shopper?.notice ?? null}
            onAcceptOffer={acceptOffer}
            onChooseProduct={(product: Product) => chooseDrink(drinkOf(product))}
            onBrowse={() => setScreen({ name: "browse" })}
            onBuild={() => setScreen({ name: "build" })}
            onFinish={() => endSession("cancelled")}
          />
        );
      case "browse":
        return <Browse menu={menu} onChoose={(product) => chooseDrink(drinkOf(product))} onBack={home} />;
      case "build":
        return <Build menu={menu} onChoose={chooseDrink} onBack={home} />;
      case "confirm": {
        const { drink } = screen;
        return (
          <Confirm
            menu={menu}
            drink={drink}
            onBack={home}
            onPour={() => {
              tracker.track("pour.started", { ...drinkData(drink), ml: POUR_ML });
              setScreen({ name: "pour", drink });
            }}
          />
        );
      }
      case "pour": {
        const { drink } = screen;
        return (
          <Pouring
            menu={menu}
            drink={drink}
            durationMs={pourMs}
            clock={clock}
            onDone={(ml, durationMs) => {
              tracker.track("pour.completed", { ...drinkData(drink), ml, durationMs });
              spend(drink);
              setScreen({ name: "rate", drink });
            }}
          />
        );
      }
      case "rate": {
        const { drink } = screen;
        return (
          <Rate
            onSubmit={(rating, reasons) => {
              tracker.track("feedback.submitted", { rating, reasons, ...drinkData(drink) });
              setScreen({ name: "thanks" });
            }}
            onSkip={() => setScreen({ name: "thanks" })}
          />
        );
      }
      case "thanks":
        return (
          <Thanks
            name={shopper?.personal?.customer?.firstName ?? null}
            onDone={() => endSession("completed")}
          />
        );
    }
  })();

  return (
    <div className="kiosk" data-screen={screen.name}>
      <header className="bar">
        <span className="brand-name">Proxima Freestyle</span>
        {linkState === "online" ? null : (
          <span className="offline" role="status">
            {linkState === "connecting" ? "Connecting…" : "Offline · your drink still pours"}
          </span>
        )}
      </header>
      <main>{body}</main>
    </div>
  );
}
