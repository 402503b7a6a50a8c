import { useState } from "react";
import { Face } from "../artwork/art.js";

export const FACES = ["Awful", "Not good", "Okay", "Good", "Loved it"] as const;
export const REASONS = [
  "Tasty",
  "Too sweet",
  "Not cold enough",
  "Quick and easy",
  "Great offer",
  "Hard to find my drink",
];

/** One tap on a face rates it; reason chips are optional. */
export function Rate({
  onSubmit,
  onSkip,
}: {
  onSubmit: (rating: number, reasons: string[]) => void;
  onSkip: () => void;
}) {
  const [rating, setRating] = useState<number | null>(null);
  const [reasons, setReasons] = useState<string[]>([]);
  const toggle = (reason: string) =>
    setReasons(reasons.includes(reason) ? reasons.filter((r) => r !== reason) : [...reasons, reason]);
  return (
    <section className="screen rate" aria-labelledby="title">
      <h1 id="title">How was it?</h1>
      <div className="faces" role="radiogroup" aria-label="Your rating">
        {FACES.map((label, i) => (
          // biome-ignore lint/a11y/useSemanticElements: a big face button is the touch target; radiogroup gives it the right semantics
          <button
            key={label}
            type="button"
            role="radio"
            className="face-button"
            aria-checked={rating === i + 1}
            aria-label={`${label} (${i + 1} of 5)`}
            onClick={() => setRating(i + 1)}
          >
            <Face rating={i + 1} />
            <span>{label}</span>
          </button>
        ))}
      </div>
      {rating !== null ? (
        <fieldset className="filters">
          <legend>Anything to add? (optional)</legend>
          {REASONS.map((reason) => (
            <button
              key={reason}
              type="button"
              className="chip"
              aria-pressed={reasons.includes(reason)}
              onClick={() => toggle(reason)}
            >
              {reason}
            </button>
          ))}
        </fieldset>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="primary big"
          disabled={rating === null}
          onClick={() => rating !== null && onSubmit(rating, reasons)}
        >
          Send rating
        </button>
        <button type="button" className="link" onClick={onSkip}>
          Skip
        </button>
      </div>
    </section>
  );
}

export function Thanks({ name, onDone }: { name: string | null; onDone: () => void }) {
  return (
    <section className="screen thanks" aria-labelledby="title">
      <h1 id="title">{name ? `Thanks, ${name}!` : "Thank you!"}</h1>
      <p className="lead">Enjoy your drink. See you next time.</p>
      <button type="button" className="primary big" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
