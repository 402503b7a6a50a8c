import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";
import { err, ok, ProximaError, type Result } from "@proxima/shared";

const gunzip = promisify(gunzipCallback);

export interface BodyLimits {
  /** bytes on the wire (compressed or not) */
  maxWireBytes: number;
  /** bytes after decompression: a small gzip body must not inflate into gigabytes */
  maxDecodedBytes: number;
}

/**
 * Reads a request body within limits, decoding `Content-Encoding: gzip`. The limit is
 * enforced while streaming, so a client that lies in (or omits) Content-Length cannot
 * make the server buffer more than `maxWireBytes`.
 */
export async function readBody(request: Request, limits: BodyLimits): Promise<Result<Buffer>> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limits.maxWireBytes) return err(tooLarge(limits.maxWireBytes, "request body"));
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip")
    return err(
      new ProximaError(
        "bad_request",
        `Content-Encoding "${encoding}" is not supported; send gzip or nothing`,
      ),
    );
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxWireBytes) {
        await reader.cancel().catch(() => undefined);
        return err(tooLarge(limits.maxWireBytes, "request body"));
      }
      chunks.push(value);
    }
  }
  const wire = Buffer.concat(chunks, total);
  if (encoding === "identity") {
    if (wire.length > limits.maxDecodedBytes) return err(tooLarge(limits.maxDecodedBytes, "request body"));
    return ok(wire);
  }
  try {
    return ok(await gunzip(wire, { maxOutputLength: limits.maxDecodedBytes }));
  } catch (cause) {
    if ((cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      return err(tooLarge(limits.maxDecodedBytes, "decompressed request body"));
    return err(new ProximaError("bad_request", `the gzip body is corrupt: ${(cause as Error).message}`));
  }
}

function tooLarge(limit: number, what: string): ProximaError {
  return new ProximaError(
    "payload_too_large",
    `${what} is over ${limit} bytes; send smaller batches (at most 10,000 events per request)`,
  );
}
