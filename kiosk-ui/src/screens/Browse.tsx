import type { Product } from "@proxima/shared";
import { useState } from "react";
import type { Menu } from "../catalogue/snapshot.js";
import { ProductButton } from "./parts.js";

/** Every drink, filtered by brand or by a flavour shot it contains. */
export function Browse({
  menu,
  onChoose,
  onBack,
}: {
  menu: Menu;
  onChoose: (product: Product) => void;
  onBack: () => void;
}) {
  const [brandId, setBrandId] = useState<string | null>(null);
  const [flavourId, setFlavourId] = useState<string | null>(null);
  const shown = menu.catalogue.products.filter(
    (p) =>
      (brandId === null || p.brandId === brandId) && (flavourId === null || p.flavourIds.includes(flavourId)),
  );
  const usedFlavours = menu.flavours.filter((f) =>
    menu.catalogue.products.some((p) => p.flavourIds.includes(f.id)),
  );
  return (
    <section className="screen browse" aria-labelledby="title">
      <h1 id="title">All drinks</h1>
      <fieldset className="filters">
        <legend className="visually-hidden">Brand</legend>
        <button
          type="button"
          className="chip"
          aria-pressed={brandId === null}
          onClick={() => setBrandId(null)}
        >
          All brands
        </button>
        {menu.catalogue.brands.map((brand) => (
          <button
            key={brand.id}
            type="button"
            className="chip"
            aria-pressed={brandId === brand.id}
            onClick={() => setBrandId(brandId === brand.id ? null : brand.id)}
          >
            <span className="swatch" style={{ background: brand.color }} aria-hidden="true" />
            {brand.name}
          </button>
        ))}
      </fieldset>
      <fieldset className="filters">
        <legend className="visually-hidden">Flavour</legend>
        {usedFlavours.map((flavour) => (
          <button
            key={flavour.id}
            type="button"
            className="chip"
            aria-pressed={flavourId === flavour.id}
            onClick={() => setFlavourId(flavourId === flavour.id ? null : flavour.id)}
          >
            <span className="swatch" style={{ background: flavour.color }} aria-hidden="true" />
            {flavour.name}
          </button>
        ))}
      </fieldset>
      <div className="grid" aria-live="polite">
        {shown.map((product) => (
          <ProductButton key={product.id} menu={menu} product={product} onChoose={onChoose} />
        ))}
        {shown.length === 0 ? <p>No drink matches both filters. Try another brand or flavour.</p> : null}
      </div>
      <div className="actions">
        <button type="button" className="link" onClick={onBack}>
          Back
        </button>
      </div>
    </section>
  );
}
