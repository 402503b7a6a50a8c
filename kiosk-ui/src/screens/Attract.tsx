import type { Nearby } from "@proxima/shared";
import { brandMark, DrinkArt } from "../artwork/art.js";
import type { Menu } from "../catalogue/snapshot.js";

/** The idle screen: invites anyone, and greets a consented regular who walks up by name. */
export function Attract({
  menu,
  greeting,
  ready,
  onStart,
  onStartAsGreeted,
}: {
  menu?: Menu | null;
  greeting: Nearby | null;
  ready: boolean;
  onStart: () => void;
  onStartAsGreeted: (nearby: Nearby) => void;
}) {
  const name = greeting?.customer.firstName;
  return (
    <section className="screen attract" aria-labelledby="title">
      {menu ? (
        <div className="showcase" aria-hidden="true">
          {menu.catalogue.products
            .filter((p) => menu.available(p))
            .slice(0, 5)
            .map((p) => {
              const brand = menu.brands.get(p.brandId);
              return (
                <DrinkArt
                  key={p.id}
                  decorative
                  label={p.name}
                  colours={menu.colours(p.baseId, p.flavourIds)}
                  brandColour={brand?.color}
                  brandMark={brand ? brandMark(brand.name) : undefined}
                />
              );
            })}
        </div>
      ) : null}
      <h1 id="title">{greeting ? (name ? `Hi ${name}!` : "Welcome back!") : "Thirsty? Mix your drink"}</h1>
      <p className="lead">
        {ready
          ? "Over 100 combinations, poured fresh. Pick a favourite or mix your own."
          : "Getting the drinks menu from the store… one moment."}
      </p>
      {greeting ? (
        <div className="actions">
          <button
            type="button"
            className="primary big"
            disabled={!ready}
            onClick={() => onStartAsGreeted(greeting)}
          >
            {name ? `Start as ${name}` : "Start with my profile"}
          </button>
          <button type="button" className="secondary" disabled={!ready} onClick={onStart}>
            Not me
          </button>
        </div>
      ) : (
        <button type="button" className="primary big" disabled={!ready} onClick={onStart}>
          Touch to start
        </button>
      )}
    </section>
  );
}
