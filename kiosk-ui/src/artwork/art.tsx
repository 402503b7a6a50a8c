import { useId } from "react";

/** Lighter or darker shade of a #rrggbb colour (amount -1..1). */
export function shade(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => {
    const c = (n >> shift) & 255;
    const to = amount >= 0 ? 255 : 0;
    return Math.round(c + (to - c) * Math.abs(amount));
  };
  return `#${[16, 8, 0].map((s) => channel(s).toString(16).padStart(2, "0")).join("")}`;
}

export interface DrinkArtProps {
  /** base first, then flavour shots */
  colours: readonly string[];
  brandColour?: string;
  brandMark?: string;
  label: string;
  /** decorative art next to a text label: hidden from assistive technology */
  decorative?: boolean;
}

/**
 * Product artwork generated from catalogue colours: a cup with the base as the drink,
 * each flavour shot a swirl, the brand as the band. No image files to ship or fetch.
 */
export function DrinkArt({ colours, brandColour, brandMark, label, decorative }: DrinkArtProps) {
  const id = useId();
  const base = colours[0] ?? "#5b3a29";
  const shots = colours.slice(1);
  const band = brandColour ?? shade(base, -0.3);
  const drawing = (
    <>
      <defs>
        <linearGradient id={`${id}l`} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0" stopColor={shade(base, 0.25)} />
          <stop offset="1" stopColor={shade(base, -0.35)} />
        </linearGradient>
        <clipPath id={`${id}c`}>
          <path d="M26 46 L94 46 L86 148 L34 148 Z" />
        </clipPath>
      </defs>
      <rect x="70" y="2" width="7" height="46" rx="3" transform="rotate(12 73 25)" fill={shade(band, 0.2)} />
      <path d="M20 38 L100 38 L90 152 L30 152 Z" fill="#f4f6f8" stroke="#c9d1d9" strokeWidth="2" />
      <g clipPath={`url(#${id}c)`}>
        <rect x="20" y="46" width="80" height="110" fill={`url(#${id}l)`} />
        {shots.map((colour, i) => (
          <path
            // biome-ignore lint/suspicious/noArrayIndexKey: a shot's place in the mix is its identity here
            key={i}
            d={`M20 ${70 + i * 22} q15 -12 30 0 t30 0 t30 0 v10 q-15 12 -30 0 t-30 0 t-30 0 z`}
            fill={colour}
            opacity="0.85"
          />
        ))}
        {[
          [40, 130, 3],
          [60, 110, 2.5],
          [78, 126, 2],
          [52, 88, 2],
          [70, 70, 2.5],
        ].map(([cx, cy, r]) => (
          <circle key={`${cx}-${cy}`} cx={cx} cy={cy} r={r} fill="#ffffff" opacity="0.45" />
        ))}
      </g>
      <rect x="16" y="30" width="88" height="10" rx="4" fill="#e6ebf0" stroke="#c9d1d9" strokeWidth="2" />
      <path d="M29 96 L91 96 L88 124 L32 124 Z" fill={band} />
      {brandMark ? (
        <text
          x="60"
          y="115"
          textAnchor="middle"
          fontSize="16"
          fontWeight="700"
          fill="#ffffff"
          fontFamily="system-ui, sans-serif"
        >
          {brandMark}
        </text>
      ) : null}
    </>
  );
  return decorative ? (
    <svg className="art" viewBox="0 0 120 160" aria-hidden="true">
      {drawing}
    </svg>
  ) : (
    <svg className="art" viewBox="0 0 120 160" role="img">
      <title>{label}</title>
      {drawing}
    </svg>
  );
}

const FACE_COLOURS = ["#d64545", "#e8833a", "#e0b000", "#7cb342", "#2e9d57"];

/** One of the five rating faces, 1 (awful) to 5 (loved it). */
export function Face({ rating }: { rating: number }) {
  const curve = (rating - 3) * 7;
  const colour = FACE_COLOURS[Math.min(4, Math.max(0, rating - 1))]!;
  return (
    <svg className="face" viewBox="0 0 64 64" aria-hidden="true">
      <circle cx="32" cy="32" r="29" fill={colour} />
      <circle cx="22" cy="25" r="4" fill="#1b1b1b" />
      <circle cx="42" cy="25" r="4" fill="#1b1b1b" />
      <path
        d={`M18 ${42 - curve / 2} Q32 ${42 + curve} 46 ${42 - curve / 2}`}
        stroke="#1b1b1b"
        strokeWidth="4"
        fill="none"
        strokeLinecap="round"
      />
    </svg>
  );
}

/** Initials for a brand band: "Cherry Fizz" → "CF". */
export function brandMark(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");
}
