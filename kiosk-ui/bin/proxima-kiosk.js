#!/usr/bin/env node
// `proxima-kiosk serve`: serves the kiosk's production build (dist/) and each kiosk's
// provisioning bundle, the way a kiosk box or the gateway's web port does:
//   /<kioskId>/            the app, reading /<kioskId>/kiosk.json (from --provision <dir>/<kioskId>.json)
//   /                      the app with /kiosk.json = --lock file (technician PIN only) or nothing: setup screen
// Logs JSON lines; `{"msg":"listening","port":N,"url":…}` once bound (port 0 picks a free one).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".ico": "image/x-icon",
};
const log = (level, msg, fields = {}) =>
  console.log(JSON.stringify({ level, time: Date.now(), service: "proxima-kiosk", ...fields, msg }));

function usage() {
  return `Usage: proxima-kiosk serve [--port 5173] [--host 127.0.0.1] [--dist <dir>] [--provision <dir of <kioskId>.json>] [--lock <kiosk.json with technicianPinSha256>]`;
}

const [command, ...rest] = process.argv.slice(2);
if (command !== "serve") {
  console.error(usage());
  process.exit(command === "--help" || command === "help" ? 0 : 2);
}
const { values } = parseArgs({
  args: rest,
  options: {
    port: { type: "string", default: "5173" },
    host: { type: "string", default: "127.0.0.1" },
    dist: { type: "string", default: join(here, "..", "dist") },
    provision: { type: "string" },
    lock: { type: "string" },
  },
});
const dist = resolve(values.dist);
if (!existsSync(join(dist, "index.html"))) {
  console.error(
    `refusing to start: no production build in ${dist}; run "pnpm --filter @proxima/kiosk-ui build"`,
  );
  process.exit(1);
}

/** kioskId → bundle text, re-read on every request so a re-provisioned kiosk needs no restart */
function bundleFor(kioskId) {
  if (!values.provision) return null;
  const file = join(resolve(values.provision), `${kioskId}.json`);
  return existsSync(file) ? readFileSync(file) : null;
}
function knownKiosks() {
  if (!values.provision || !existsSync(values.provision)) return [];
  return readdirSync(values.provision)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5));
}

const cache = new Map();
function asset(path) {
  const full = normalize(join(dist, path));
  if (!full.startsWith(dist) || !existsSync(full) || !statSync(full).isFile()) return null;
  let hit = cache.get(full);
  if (!hit) {
    const body = readFileSync(full);
    hit = {
      body,
      gzip: gzipSync(body, { level: 9 }),
      type: TYPES[extname(full)] ?? "application/octet-stream",
    };
    cache.set(full, hit);
  }
  return hit;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://kiosk");
  const parts = url.pathname.split("/").filter(Boolean);
  let path = url.pathname;
  let kioskId = null;
  if (parts.length > 0 && knownKiosks().includes(parts[0])) {
    kioskId = parts[0];
    path = `/${parts.slice(1).join("/")}`;
  }
  if (path === "/kiosk.json") {
    const body = kioskId
      ? bundleFor(kioskId)
      : values.lock && existsSync(values.lock)
        ? readFileSync(values.lock)
        : null;
    if (!body) {
      res.writeHead(404, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "no provisioning bundle here" } }));
      return;
    }
    res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" });
    res.end(body);
    return;
  }
  if (kioskId && url.pathname === `/${kioskId}`) {
    res.writeHead(301, { location: `/${kioskId}/` });
    res.end();
    return;
  }
  const file =
    asset(path === "/" ? "index.html" : path.slice(1)) ?? (extname(path) ? null : asset("index.html"));
  if (!file) {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
    return;
  }
  const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "") && file.type !== "image/x-icon";
  res.writeHead(200, {
    "content-type": file.type,
    // hashed assets never change; the page and bundles always revalidate
    "cache-control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    ...(gzip ? { "content-encoding": "gzip", vary: "accept-encoding" } : {}),
  });
  res.end(gzip ? file.gzip : file.body);
});

server.once("error", (error) => {
  if (error.code === "EADDRINUSE") console.error(`port ${values.port} on ${values.host} is already taken`);
  else console.error(error.message);
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  const url = `http://${values.host.includes(":") ? `[${values.host}]` : values.host}:${port}`;
  log(30, "listening", { port, url, dist, kiosks: knownKiosks() });
});
const stop = () => server.close(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
