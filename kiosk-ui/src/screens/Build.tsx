import { useState } from "react";
import { DrinkArt } from "../artwork/art.js";
import type { Menu } from "../catalogue/snapshot.js";
import type { Drink } from "../session/drink.js";

export const MAX_SHOTS = 3;

/** Build-your-own: one base plus up to three flavour shots; empty cartridges greyed out live. */
export function Build({
  menu,
  onChoose,
  onBack,
}: {
  menu: Menu;
  onChoose: (drink: Drink) => void;
  onBack: () => void;
}) {
  const [baseId, setBaseId] = useState<string | null>(null);
  const [shots, setShots] = useState<string[]>([]);
  // stock moves while the shopper thinks: a choice that ran out drops out of the mix
  const base = baseId && menu.inStock(baseId) ? baseId : null;
  const chosen = shots.filter((id) => menu.inStock(id));
  const toggle = (id: string) =>
    setShots(chosen.includes(id) ? chosen.filter((s) => s !== id) : [...chosen, id].slice(0, MAX_SHOTS));
  const name = (id: string) => menu.ingredients.get(id)?.name ?? id;
  const mixName = base ? [name(base), ...chosen.map(name)].join(" + ") : "Your mix";
  const choose = () => {
    if (!base) return;
    const match = menu.match(base, chosen);
    onChoose({
      productId: match?.id ?? null,
      name: match?.name ?? mixName,
      baseId: base,
      flavourIds: chosen,
      ...(match ? { brandId: match.brandId, priceCents: match.priceCents } : {}),
    });
  };
  return (
    <section className="screen build" aria-labelledby="title">
      <h1 id="title">Mix your own</h1>
      <div className="build-layout">
        <div className="build-preview">
          <DrinkArt label={`Preview: ${mixName}`} colours={base ? menu.colours(base, chosen) : ["#3a4a5a"]} />
          <p className="mix-name" aria-live="polite">
            {mixName}
          </p>
        </div>
        <div className="build-choices">
          <fieldset className="options">
            <legend>1. Pick a base</legend>
            {menu.bases.map((b) => {
              const available = menu.inStock(b.id);
              return (
                <button
                  key={b.id}
                  type="button"
                  className="option"
                  aria-pressed={base === b.id}
                  disabled={!available}
                  onClick={() => setBaseId(b.id)}
                >
                  <span className="swatch" style={{ background: b.color }} aria-hidden="true" />
                  {b.name}
                  {available ? "" : " (out of stock)"}
                </button>
              );
            })}
          </fieldset>
          <fieldset className="options">
            <legend>
              2. Add up to {MAX_SHOTS} flavour shots{" "}
              <span className="count">
                ({chosen.length} of {MAX_SHOTS})
              </span>
            </legend>
            {menu.flavours.map((f) => {
              const available = menu.inStock(f.id);
              const picked = chosen.includes(f.id);
              return (
                <button
                  key={f.id}
                  type="button"
                  className="option"
                  aria-pressed={picked}
                  disabled={!available || (!picked && chosen.length >= MAX_SHOTS)}
                  onClick={() => toggle(f.id)}
                >
                  <span className="swatch" style={{ background: f.color }} aria-hidden="true" />
                  {f.name}
                  {available ? "" : " (out of stock)"}
                </button>
              );
            })}
          </fieldset>
        </div>
      </div>
      <div className="actions">
        <button type="button" className="primary big" disabled={!base} onClick={choose}>
          {base ? "Pour this mix" : "Pick a base first"}
        </button>
        <button type="button" className="link" onClick={onBack}>
          Back
        </button>
      </div>
    </section>
  );
}
