import {
  KioskProvisioning,
  type KioskProvisioningInput,
  type KioskSetupLock,
  parseWith,
} from "@proxima/shared";
import { type FormEvent, useState } from "react";
import { Keypad } from "../screens/parts.js";
import { sha256Hex } from "./load.js";

/**
 * The one-time setup screen: locked by the technician PIN from the provisioning bundle,
 * then the gateway URL and the kiosk's credentials (from `proxima-gateway kiosk add`).
 */
export function Setup({
  lock,
  problem,
  onSave,
}: {
  lock: KioskSetupLock | null;
  problem?: string | undefined;
  onSave: (config: KioskProvisioning, input: KioskProvisioningInput) => void;
}) {
  const [pin, setPin] = useState("");
  const [unlocked, setUnlocked] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!unlocked)
    return (
      <main className="kiosk">
        <section className="screen" aria-labelledby="title">
          <h1 id="title">This kiosk is not set up yet</h1>
          {problem ? (
            <p className="notice" role="alert">
              {problem}
            </p>
          ) : null}
          {lock ? (
            <>
              <p className="lead">Technician: enter your PIN to set it up.</p>
              <output className="code" aria-label="PIN">
                {"•".repeat(pin.length) || "····"}
              </output>
              {error ? (
                <p className="notice" role="alert">
                  {error}
                </p>
              ) : null}
              <Keypad
                value={pin}
                onChange={setPin}
                submitLabel="Unlock"
                onSubmit={async () => {
                  try {
                    const ok = (await sha256Hex(pin)) === lock.technicianPinSha256;
                    setPin("");
                    if (ok) setUnlocked(true);
                    else setError("Wrong PIN. Try again.");
                  } catch (e) {
                    setError((e as Error).message);
                  }
                }}
              />
            </>
          ) : (
            <p className="lead">
              Put a provisioning bundle (kiosk.json, from the technician CLI) beside the app, or open it with
              ?gateway=&amp;venue=&amp;kiosk=&amp;secret= parameters.
            </p>
          )}
        </section>
      </main>
    );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input: KioskProvisioningInput = {
      gatewayUrl: String(form.get("gatewayUrl") ?? ""),
      venueId: String(form.get("venueId") ?? ""),
      kioskId: String(form.get("kioskId") ?? ""),
      secret: String(form.get("secret") ?? ""),
      ...(lock ? { technicianPinSha256: lock.technicianPinSha256 } : {}),
    };
    const config = parseWith(KioskProvisioning, input, "kiosk setup");
    if (!config.ok) return setError(config.error.message);
    onSave(config.value, input);
  };
  return (
    <main className="kiosk">
      <section className="screen" aria-labelledby="title">
        <h1 id="title">Kiosk setup</h1>
        {error ? (
          <p className="notice" role="alert">
            {error}
          </p>
        ) : null}
        <form className="setup" onSubmit={submit}>
          <label>
            Gateway WebSocket URL
            <input name="gatewayUrl" required placeholder="ws://192.168.1.20:8883" />
          </label>
          <label>
            Venue id
            <input name="venueId" required />
          </label>
          <label>
            Kiosk id
            <input name="kioskId" required />
          </label>
          <label>
            Kiosk secret
            <input name="secret" type="password" required />
          </label>
          <button type="submit" className="primary big">
            Save and connect
          </button>
        </form>
      </section>
    </main>
  );
}
