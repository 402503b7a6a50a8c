import { useEffect, useRef, useState } from "react";
import { Keypad } from "./parts.js";

/** How the shopper tells the kiosk who they are, or doesn't. */
export function IdentifyChoice({
  onCode,
  onQr,
  onGuest,
  onCancel,
}: {
  onCode: () => void;
  onQr: () => void;
  onGuest: () => void;
  onCancel: () => void;
}) {
  return (
    <section className="screen" aria-labelledby="title">
      <h1 id="title">How would you like to start?</h1>
      <p className="lead">Members get their usual drink and offers picked for them.</p>
      <div className="choices">
        <button type="button" className="primary big" onClick={onCode}>
          Enter my loyalty code
        </button>
        <button type="button" className="primary big" onClick={onQr}>
          Scan my QR code
        </button>
        <button type="button" className="secondary big" onClick={onGuest}>
          Continue as guest
        </button>
      </div>
      <button type="button" className="link" onClick={onCancel}>
        Back
      </button>
    </section>
  );
}

/** The loyalty code on an on-screen keypad: cards print it as L00123456, the shopper types the digits. */
export function LoyaltyCode({
  prefix,
  onSubmit,
  onCancel,
}: {
  prefix: string;
  onSubmit: (code: string) => void;
  onCancel: () => void;
}) {
  const [digits, setDigits] = useState("");
  return (
    <section className="screen" aria-labelledby="title">
      <h1 id="title">Enter your loyalty code</h1>
      <output className="code" aria-label="Loyalty code" aria-live="polite">
        {prefix}
        {digits || "······"}
      </output>
      <Keypad
        value={digits}
        onChange={setDigits}
        onSubmit={() => onSubmit(prefix + digits)}
        submitLabel="OK"
      />
      <button type="button" className="link" onClick={onCancel}>
        Back
      </button>
    </section>
  );
}

/**
 * QR entry. Kiosk QR readers are keyboard-wedge devices: they type the code and press
 * Enter, so the screen listens to keystrokes (no camera permission, no extra library).
 */
export function QrScan({
  onScanned,
  onUseKeypad,
  onCancel,
}: {
  onScanned: (code: string) => void;
  onUseKeypad: () => void;
  onCancel: () => void;
}) {
  const buffer = useRef("");
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Enter") {
        const code = buffer.current.trim();
        buffer.current = "";
        if (code) onScanned(code);
      } else if (event.key.length === 1) buffer.current = (buffer.current + event.key).slice(-256);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onScanned]);
  return (
    <section className="screen" aria-labelledby="title">
      <h1 id="title">Scan your QR code</h1>
      <p className="lead">Hold the code from your app under the scanner below the screen.</p>
      <svg className="qr-hint" viewBox="0 0 100 100" aria-hidden="true">
        <rect
          x="4"
          y="4"
          width="92"
          height="92"
          rx="10"
          fill="none"
          stroke="currentColor"
          strokeWidth="4"
          strokeDasharray="14 8"
        />
        <rect x="22" y="22" width="20" height="20" fill="currentColor" />
        <rect x="58" y="22" width="20" height="20" fill="currentColor" />
        <rect x="22" y="58" width="20" height="20" fill="currentColor" />
        <rect x="58" y="58" width="8" height="8" fill="currentColor" />
        <rect x="70" y="70" width="8" height="8" fill="currentColor" />
      </svg>
      <div className="actions">
        <button type="button" className="secondary" onClick={onUseKeypad}>
          Type my code instead
        </button>
        <button type="button" className="link" onClick={onCancel}>
          Back
        </button>
      </div>
    </section>
  );
}
