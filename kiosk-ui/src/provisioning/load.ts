import {
  KioskProvisioning,
  type KioskProvisioningInput,
  KioskSetupLock,
  parseJson,
  parseWith,
} from "@proxima/shared";

export type Boot =
  | { kind: "ready"; config: KioskProvisioning; from: "url" | "bundle" | "setup" }
  | { kind: "setup"; lock: KioskSetupLock | null; problem?: string };

export const SETUP_STORAGE_KEY = "proxima.kiosk.provisioning";

export interface BootSources {
  /** location.search */
  search: string;
  /** fetches kiosk.json beside the app; null when there is none */
  fetchBundle: () => Promise<string | null>;
  storage: Storage;
}

/**
 * Where the kiosk's gateway URL and credentials come from, first match wins: URL
 * parameters (`?gateway=&venue=&kiosk=&secret=`), the provisioning bundle `kiosk.json`
 * served beside the app, or what a technician entered once on the setup screen.
 */
export async function loadProvisioning(sources: BootSources): Promise<Boot> {
  const params = new URLSearchParams(sources.search);
  const gatewayUrl = params.get("gateway");
  if (gatewayUrl) {
    const input: Record<string, unknown> = {
      gatewayUrl,
      venueId: params.get("venue"),
      kioskId: params.get("kiosk"),
      secret: params.get("secret"),
    };
    const idle = params.get("idle");
    if (idle) input.idleTimeoutMs = Number(idle);
    const config = parseWith(KioskProvisioning, input, "kiosk URL parameters");
    if (!config.ok) return { kind: "setup", lock: null, problem: config.error.message };
    return { kind: "ready", config: config.value, from: "url" };
  }

  let lock: KioskSetupLock | null = null;
  let problem: string | undefined;
  const bundle = await sources.fetchBundle().catch(() => null);
  if (bundle !== null) {
    const json = parseJson(bundle, "kiosk.json");
    if (!json.ok) problem = json.error.message;
    else {
      const config = parseWith(KioskProvisioning, json.value, "kiosk.json");
      if (config.ok) return { kind: "ready", config: config.value, from: "bundle" };
      const onlyLock = parseWith(KioskSetupLock, json.value, "kiosk.json");
      if (onlyLock.ok) lock = onlyLock.value;
      else problem = config.error.message;
    }
  }

  const saved = sources.storage.getItem(SETUP_STORAGE_KEY);
  if (saved) {
    const json = parseJson(saved, "saved kiosk setup");
    const config = json.ok ? parseWith(KioskProvisioning, json.value, "saved kiosk setup") : json;
    if (config.ok) return { kind: "ready", config: config.value, from: "setup" };
  }
  return problem === undefined ? { kind: "setup", lock } : { kind: "setup", lock, problem };
}

export function saveSetup(storage: Storage, config: KioskProvisioningInput): void {
  storage.setItem(SETUP_STORAGE_KEY, JSON.stringify(config));
}

/** SHA-256 hex; WebCrypto exists in secure contexts (https, or the kiosk's own loopback). */
export async function sha256Hex(text: string): Promise<string> {
  if (!globalThis.crypto?.subtle)
    throw new Error("this page is not a secure context: open the kiosk over https or on localhost");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
