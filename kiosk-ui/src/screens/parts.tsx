import type { Product } from "@proxima/shared";
import { brandMark, DrinkArt } from "../artwork/art.js";
import type { Menu } from "../catalogue/snapshot.js";

/** A product tile: art, name, and "Out of stock" instead of a dead button. */
export function ProductButton({
  menu,
  product,
  onChoose,
  note,
}: {
  menu: Menu;
  product: Product;
  onChoose: (product: Product) => void;
  note?: string;
}) {
  const brand = menu.brands.get(product.brandId);
  const available = menu.available(product);
  return (
    <button
      type="button"
      className="tile"
      disabled={!available}
      aria-label={available ? product.name : `${product.name}, out of stock`}
      onClick={() => onChoose(product)}
    >
      <DrinkArt
        decorative
        label={product.name}
        colours={menu.colours(product.baseId, product.flavourIds)}
        brandColour={brand?.color}
        brandMark={brand ? brandMark(brand.name) : undefined}
      />
      <span className="tile-name">{product.name}</span>
      {available ? (
        note ? (
          <span className="tile-note">{note}</span>
        ) : null
      ) : (
        <span className="tile-note">Out of stock</span>
      )}
    </button>
  );
}

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;

/** A numeric keypad: digits on big buttons, no system keyboard needed. */
export function Keypad({
  value,
  onChange,
  onSubmit,
  submitLabel,
  maxLength = 12,
}: {
  value: string;
  onChange: (value: string) => void;
  onSubmit: () => void;
  submitLabel: string;
  maxLength?: number;
}) {
  const press = (digit: string) => {
    if (value.length < maxLength) onChange(value + digit);
  };
  return (
    <fieldset className="keypad" aria-label="Keypad">
      {KEYS.map((k) => (
        <button key={k} type="button" className="key" onClick={() => press(k)}>
          {k}
        </button>
      ))}
      <button
        type="button"
        className="key"
        aria-label="Delete last digit"
        disabled={value === ""}
        onClick={() => onChange(value.slice(0, -1))}
      >
        ⌫
      </button>
      <button type="button" className="key" onClick={() => press("0")}>
        0
      </button>
      <button type="button" className="key key-go" disabled={value === ""} onClick={onSubmit}>
        {submitLabel}
      </button>
    </fieldset>
  );
}
