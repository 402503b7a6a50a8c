/**
 * mqtt.js's browser stream builder and client read a few Node globals at module load
 * (`process?.nextTick` on an undeclared `process` throws in a browser). Defining them
 * here, imported before mqtt, costs a few bytes instead of the prebuilt bundle's
 * ~30 kB gzip of Node polyfills (url, punycode, a second Buffer).
 */
import { Buffer } from "buffer";

// a plain record: Node's own typings (in this tsconfig for the tests) describe a full `process`
const scope = globalThis as unknown as Record<string, unknown>;
scope.global ??= globalThis;
scope.Buffer ??= Buffer;
scope.process ??= {
  env: {},
  versions: {},
  browser: true,
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
};
