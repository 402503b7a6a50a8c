import { z } from "zod";
import { ProximaError } from "./errors.js";
import { err, ok, type Result } from "./result.js";

/**
 * Subject identities: stable across BLE address rotation, never derived from an address.
 *   ibeacon:<uuid 8-4-4-4-12 lowercase>:<major>:<minor>
 *   eddystone:<namespace 20 hex>:<instance 12 hex>
 *   altbeacon:<first 16 bytes as uuid>:<next 2 bytes>:<last 2 bytes>   (decimal)
 */
export type Subject =
  | { kind: "ibeacon"; uuid: string; major: number; minor: number }
  | { kind: "eddystone"; namespace: string; instance: string }
  | { kind: "altbeacon"; uuid: string; major: number; minor: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const U16 = /^(0|[1-9][0-9]{0,4})$/;
export const SUBJECT_RE =
  /^(?:(?:ibeacon|altbeacon):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:(?:0|[1-9][0-9]{0,4}):(?:0|[1-9][0-9]{0,4})|eddystone:[0-9a-f]{20}:[0-9a-f]{12})$/;

export function formatSubject(s: Subject): string {
  switch (s.kind) {
    case "ibeacon":
    case "altbeacon":
      return `${s.kind}:${s.uuid.toLowerCase()}:${s.major}:${s.minor}`;
    case "eddystone":
      return `eddystone:${s.namespace.toLowerCase()}:${s.instance.toLowerCase()}`;
  }
}

export function parseSubject(text: string): Result<Subject> {
  const bad = (why: string) => err(new ProximaError("bad_request", `invalid subject "${text}": ${why}`));
  const parts = text.split(":");
  const kind = parts[0];
  if (kind === "ibeacon" || kind === "altbeacon") {
    if (parts.length !== 4) return bad(`expected ${kind}:<uuid>:<major>:<minor>`);
    const [, uuid, major, minor] = parts as [string, string, string, string];
    if (!UUID.test(uuid)) return bad("uuid must be lowercase 8-4-4-4-12 hex");
    if (!U16.test(major) || Number(major) > 65535) return bad("major must be a decimal 0–65535");
    if (!U16.test(minor) || Number(minor) > 65535) return bad("minor must be a decimal 0–65535");
    return ok({ kind, uuid, major: Number(major), minor: Number(minor) });
  }
  if (kind === "eddystone") {
    if (parts.length !== 3) return bad("expected eddystone:<namespace>:<instance>");
    const [, namespace, instance] = parts as [string, string, string];
    if (!/^[0-9a-f]{20}$/.test(namespace)) return bad("namespace must be 20 lowercase hex digits");
    if (!/^[0-9a-f]{12}$/.test(instance)) return bad("instance must be 12 lowercase hex digits");
    return ok({ kind, namespace, instance });
  }
  return bad("kind must be ibeacon, eddystone or altbeacon");
}

export function isSubject(text: string): boolean {
  // the regex is the fast path; parseSubject also checks major/minor ≤ 65535
  return SUBJECT_RE.test(text) && parseSubject(text).ok;
}

/** A subject identity string in a payload. */
export const SubjectString = z
  .string()
  .refine(isSubject, "must be a subject identity (ibeacon:…, eddystone:…, altbeacon:…), never a BLE address");

/** 16 bytes → 8-4-4-4-12 lowercase uuid. */
export function uuidFromBytes(bytes: Uint8Array, offset = 0): string {
  let h = "";
  for (let i = 0; i < 16; i++) {
    h += bytes[offset + i]!.toString(16).padStart(2, "0");
    if (i === 3 || i === 5 || i === 7 || i === 9) h += "-";
  }
  return h;
}

export function hexToBytes(hexString: string): Uint8Array | null {
  if (hexString.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hexString)) return null;
  const out = new Uint8Array(hexString.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hexString.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let h = "";
  for (const b of bytes) h += b.toString(16).padStart(2, "0");
  return h;
}
