import type { Offer, PersonalizeResult, Product } from "@proxima/shared";
import { useEffect } from "react";
import { brandMark, DrinkArt } from "../artwork/art.js";
import type { Menu } from "../catalogue/snapshot.js";
import { afterPaint } from "./paint.js";
import { ProductButton } from "./parts.js";

/**
 * "Your usual" is the first offer the gateway chose from the shopper's own history (its
 * favourite or last drink); the result carries no rule field, so the reason says which.
 */
const USUAL = /\byour (usual|favourite)\b|\blast time\b/i;

function splitUsual(personal: PersonalizeResult | null): { usual: Offer | null; others: Offer[] } {
  const offers = personal?.offers ?? [];
  // only someone we know has a usual ("A crowd favourite" is not theirs)
  const usual = personal?.customer ? (offers.find((o) => USUAL.test(o.reason)) ?? null) : null;
  return { usual, others: offers.filter((o) => o !== usual) };
}

function OfferCard({
  menu,
  offer,
  onAccept,
  hero,
}: {
  menu: Menu;
  offer: Offer;
  onAccept: (offer: Offer) => void;
  hero?: boolean;
}) {
  const product = offer.productId ? menu.products.get(offer.productId) : undefined;
  const brand = product ? menu.brands.get(product.brandId) : undefined;
  const available = product ? menu.available(product) : true;
  return (
    <li className={hero ? "offer hero" : "offer"}>
      <button
        type="button"
        className="offer-button"
        disabled={!available}
        aria-label={`${offer.title}: ${offer.reason}${available ? "" : " (out of stock)"}`}
        onClick={() => onAccept(offer)}
      >
        <DrinkArt
          decorative
          label={offer.title}
          colours={product ? menu.colours(product.baseId, product.flavourIds) : ["#8a5a3c"]}
          brandColour={brand?.color}
          brandMark={brand ? brandMark(brand.name) : undefined}
        />
        <span className="offer-text">
          <span className="offer-title">{offer.title}</span>
          <span className="offer-reason">{available ? offer.reason : "Out of stock right now"}</span>
        </span>
      </button>
    </li>
  );
}

export function Home({
  menu,
  personal,
  notice,
  onAcceptOffer,
  onChooseProduct,
  onBrowse,
  onBuild,
  onFinish,
}: {
  menu: Menu;
  personal: PersonalizeResult | null;
  notice: string | null;
  onAcceptOffer: (offer: Offer) => void;
  onChooseProduct: (product: Product) => void;
  onBrowse: () => void;
  onBuild: () => void;
  onFinish: () => void;
}) {
  useEffect(() => {
    // identify tap → offers on screen: measured in the field and by `pnpm bench kiosk`
    afterPaint(() => performance.mark("kiosk:offers-painted", { detail: personal?.decisionId ?? null }));
  }, [personal]);
  const name = personal?.customer?.firstName;
  const { usual, others } = splitUsual(personal);
  // what sells here right now; on a fresh gateway, the catalogue's own crowd favourites
  const sold = menu.popular.map((id) => menu.products.get(id)).filter((p): p is Product => p !== undefined);
  const popular = (
    sold.length > 0 ? sold : menu.catalogue.products.filter((p) => p.tags.includes("popular"))
  ).slice(0, 4);
  return (
    <section className="screen home" aria-labelledby="title">
      <h1 id="title">{name ? `Hi ${name}, what'll it be?` : "What would you like?"}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {usual ? (
        <section className="picks" aria-labelledby="usual-title">
          <h2 id="usual-title">Your usual</h2>
          <ul className="offers">
            <OfferCard hero menu={menu} offer={usual} onAccept={onAcceptOffer} />
          </ul>
        </section>
      ) : null}
      {others.length > 0 ? (
        <section className="picks" aria-labelledby="offers-title">
          <h2 id="offers-title">Picked for you</h2>
          <ul className="offers">
            {others.map((offer) => (
              <OfferCard key={offer.offerId} menu={menu} offer={offer} onAccept={onAcceptOffer} />
            ))}
          </ul>
        </section>
      ) : null}
      {popular.length > 0 ? (
        <section className="popular" aria-labelledby="popular-title">
          <h2 id="popular-title">Popular right now</h2>
          <div className="grid">
            {popular.map((product) => (
              <ProductButton key={product.id} menu={menu} product={product} onChoose={onChooseProduct} />
            ))}
          </div>
        </section>
      ) : null}
      <div className="actions">
        <button type="button" className="primary" onClick={onBrowse}>
          Browse all drinks
        </button>
        <button type="button" className="primary" onClick={onBuild}>
          Mix your own
        </button>
        <button type="button" className="link" onClick={onFinish}>
          Start over
        </button>
      </div>
    </section>
  );
}
