import type { Clock } from "@proxima/shared";
import { useEffect, useRef, useState } from "react";
import { brandMark, DrinkArt } from "../artwork/art.js";
import type { Menu } from "../catalogue/snapshot.js";
import { type Drink, POUR_ML } from "../session/drink.js";

function Art({ menu, drink }: { menu: Menu; drink: Drink }) {
  const brand = drink.brandId ? menu.brands.get(drink.brandId) : undefined;
  return (
    <DrinkArt
      label={drink.name}
      colours={menu.colours(drink.baseId, drink.flavourIds)}
      brandColour={brand?.color}
      brandMark={brand ? brandMark(brand.name) : undefined}
    />
  );
}

export function Confirm({
  menu,
  drink,
  onPour,
  onBack,
}: {
  menu: Menu;
  drink: Drink;
  onPour: () => void;
  onBack: () => void;
}) {
  const flavours = drink.flavourIds.map((id) => menu.ingredients.get(id)?.name ?? id);
  const base = menu.ingredients.get(drink.baseId)?.name ?? drink.baseId;
  return (
    <section className="screen confirm" aria-labelledby="title">
      <h1 id="title">{drink.name}</h1>
      <div className="confirm-art">
        <Art menu={menu} drink={drink} />
      </div>
      <p className="lead">
        {base}
        {flavours.length > 0 ? ` with ${flavours.join(", ")}` : ""} · {POUR_ML} ml
      </p>
      <p>Place your cup under the nozzle, then press Pour.</p>
      <div className="actions">
        <button type="button" className="primary big" onClick={onPour}>
          Pour
        </button>
        <button type="button" className="link" onClick={onBack}>
          Choose something else
        </button>
      </div>
    </section>
  );
}

/** The simulated pour: progress over `durationMs`, then `onDone`. */
export function Pouring({
  menu,
  drink,
  durationMs,
  clock,
  onDone,
}: {
  menu: Menu;
  drink: Drink;
  durationMs: number;
  clock: Clock;
  onDone: (ml: number, durationMs: number) => void;
}) {
  const [percent, setPercent] = useState(0);
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    const started = clock.now();
    let timer = clock.setTimeout(function tick() {
      const elapsed = clock.now() - started;
      const p = Math.min(100, Math.round((elapsed / durationMs) * 100));
      setPercent(p);
      if (p >= 100) done.current(POUR_ML, elapsed);
      else timer = clock.setTimeout(tick, 100);
    }, 100);
    return () => clock.clearTimeout(timer);
  }, [clock, durationMs]);
  return (
    <section className="screen pour" aria-labelledby="title">
      <h1 id="title">Pouring {drink.name}</h1>
      <div className="confirm-art">
        <Art menu={menu} drink={drink} />
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Pouring"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="lead" aria-live="polite">
        {percent < 100 ? `${Math.round((percent / 100) * POUR_ML)} ml of ${POUR_ML} ml` : "Done! Enjoy."}
      </p>
    </section>
  );
}
