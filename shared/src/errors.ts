/**
 * The closed set of error codes every Proxima component speaks: RPC replies, HTTP
 * problem bodies, CLI exits and logs all carry one of these.
 */
export const ERROR_CODES = [
  "bad_request", // a payload or body failed its schema
  "bad_json", // bytes were not JSON at all
  "payload_too_large",
  "unauthorized", // no or wrong credentials
  "forbidden", // authenticated, but not allowed this topic/resource
  "not_found",
  "conflict",
  "rate_limited",
  "unknown_method", // RPC method the gateway does not offer
  "timeout",
  "unavailable", // a dependency (cloud, disk, radio) is down
  "storage_full",
  "bad_config",
  "no_adapter", // no Bluetooth adapter on this machine
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status each code maps to when it reaches an HTTP client. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  bad_json: 400,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unknown_method: 400,
  timeout: 504,
  unavailable: 503,
  storage_full: 507,
  bad_config: 500,
  no_adapter: 500,
  internal: 500,
};

/** An error a user may see: it carries a code and says what to do about it. */
export class ProximaError extends Error {
  override readonly name = "ProximaError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isProximaError(err: unknown): err is ProximaError {
  return err instanceof ProximaError;
}
