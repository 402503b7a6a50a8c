import { z } from "zod";
import { Id } from "./venue.js";

/**
 * `kiosk.json`, the provisioning bundle a kiosk app reads at start (served beside the
 * app, or entered once on the technician setup screen): which gateway to talk to and
 * the kiosk's own broker credentials (username = kioskId, password = secret).
 */
export const KioskProvisioning = z.object({
  /** the gateway's MQTT-over-WebSocket listener, e.g. ws://192.168.1.20:8883 */
  gatewayUrl: z.string().regex(/^wss?:\/\/[^\s]+$/, "must be a ws:// or wss:// URL"),
  venueId: Id,
  kioskId: Id,
  secret: z.string().min(1).max(256),
  /** SHA-256 (hex) of the technician PIN that unlocks the setup screen */
  technicianPinSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** printed before the digits on loyalty cards ("L" for L00100042): the keypad types only digits */
  loyaltyPrefix: z
    .string()
    .regex(/^[A-Za-z-]{0,8}$/)
    .default("L"),
  /** back to the attract screen after this long without a touch */
  idleTimeoutMs: z.number().int().min(5_000).max(600_000).default(45_000),
});
export type KioskProvisioning = z.infer<typeof KioskProvisioning>;
export type KioskProvisioningInput = z.input<typeof KioskProvisioning>;

/** A kiosk that is not provisioned yet serves only the PIN that unlocks its setup screen. */
export const KioskSetupLock = z.object({
  technicianPinSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type KioskSetupLock = z.infer<typeof KioskSetupLock>;
