// `npm run demo`: everything on one machine with embedded defaults and a simulated
// venue. Preferred ports are used when free; otherwise the demo says which port is
// taken and picks a free one.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root } from "./pnpm.mjs";

const PREFERRED = { cloud: 8080, kiosk: 5173 };

function isFree(port) {
  return new Promise((resolve) => {
    const probe = createServer().once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function choosePort(name, preferred) {
  if (await isFree(preferred)) return preferred;
  console.log(`[demo] port ${preferred} (${name}) is taken; using a free port instead`);
  return 0;
}

const children = [];

/** Starts a package CLI and resolves with the first JSON log line that `ready` accepts. */
function start(name, script, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, script), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const onLine = (line) => {
      if (process.env.PROXIMA_DEMO_VERBOSE) console.log(`[${name}] ${line}`);
      try {
        const json = JSON.parse(line);
        if (json.level >= 50) console.error(`[${name}] ${json.msg}`);
        if (ready(json)) resolve(json);
      } catch {
        console.log(`[${name}] ${line}`);
      }
    };
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.once("exit", (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
  });
}

function shutdown(code = 0) {
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
}
process.once("SIGINT", () => shutdown(0));
process.once("SIGTERM", () => shutdown(0));

// The dashboard's sign-in for the demo (local only; create real users with `proxima-cloud user add`).
const DEMO_ADMIN = { email: "admin@proxima.local", password: "proxima-demo-admin" };

try {
  // 90 days of simulated history for two venues (once; later runs reuse it) and the first admin
  const seeded = spawnSync(
    process.execPath,
    [
      join(root, "cloud-api/bin/proxima-cloud.js"),
      "demo",
      "seed",
      "--venue-file",
      join(root, "edge-gateway", "examples", "venue.json"),
      "--days",
      "90",
      "--admin-email",
      DEMO_ADMIN.email,
      "--admin-password",
      DEMO_ADMIN.password,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (seeded.status !== 0) throw new Error("could not seed the demo history (see above)");
  for (const line of seeded.stdout.trim().split("\n")) console.log(`[demo] ${line}`);
  const cloudPort = await choosePort("cloud API", PREFERRED.cloud);
  const cloud = await start(
    "cloud",
    "cloud-api/bin/proxima-cloud.js",
    ["serve", "--port", String(cloudPort)],
    (j) => j.msg === "listening",
  );
  // The demo gateway syncs to this cloud: a fresh gateway token each run (the old one is
  // revoked), written into a demo copy of the example gateway config.
  const cloudCli = (args) =>
    spawnSync(process.execPath, [join(root, "cloud-api/bin/proxima-cloud.js"), "token", ...args], {
      encoding: "utf8",
    });
  cloudCli(["revoke", "gateway:gw-a"]);
  const issued = cloudCli(["create", "--source", "gateway:gw-a", "--venue", "store-042", "--json"]);
  if (issued.status !== 0)
    throw new Error(`could not create the demo gateway's cloud token: ${issued.stderr}`);
  const { token } = JSON.parse(issued.stdout.trim().split("\n").pop());
  const example = join(root, "edge-gateway", "examples", "gateway.json");
  const demoDir = join(root, ".proxima", "demo");
  mkdirSync(demoDir, { recursive: true });
  const gatewayConfig = join(demoDir, "gateway.json");
  writeFileSync(
    gatewayConfig,
    JSON.stringify(
      {
        ...JSON.parse(readFileSync(example, "utf8")),
        venue: join(root, "edge-gateway", "examples", "venue.json"),
        seed: join(root, "edge-gateway", "examples", "demo-data.json"),
        dataDir: join(root, ".proxima", "gateway-data"),
        cloud: { url: cloud.url, token },
      },
      null,
      2,
    ),
  );
  // kiosk credentials for the demo's two kiosks (a fresh secret each run; printed below)
  const kiosks = [];
  for (const id of ["kiosk-1", "kiosk-2"]) {
    const added = spawnSync(
      process.execPath,
      [
        join(root, "edge-gateway/bin/proxima-gateway.js"),
        "kiosk",
        "add",
        id,
        "--config",
        gatewayConfig,
        "--json",
      ],
      { encoding: "utf8" },
    );
    if (added.status !== 0) throw new Error(`could not create demo credentials for ${id}: ${added.stderr}`);
    kiosks.push(JSON.parse(added.stdout));
  }
  // keeps the second venue (Harbour) moving on the dashboard's live view
  await start(
    "live venue",
    "cloud-api/bin/proxima-cloud.js",
    ["demo", "seed", "--venue-file", join(root, "edge-gateway", "examples", "venue.json"), "--live"],
    (j) => j.msg === "live venue moving",
  );
  const gateway = await start(
    "gateway",
    "edge-gateway/bin/proxima-gateway.js",
    ["run", "--config", gatewayConfig],
    (j) => j.msg === "listening",
  );
  // the kiosk app (production build), one provisioning bundle per demo kiosk
  const provision = join(root, ".proxima", "kiosk-provision");
  mkdirSync(provision, { recursive: true });
  for (const k of kiosks)
    writeFileSync(
      join(provision, `${k.id}.json`),
      JSON.stringify({
        gatewayUrl: gateway.wsUrl,
        venueId: gateway.venueId,
        kioskId: k.id,
        secret: k.secret,
      }),
    );
  const kioskPort = await choosePort("kiosk app", PREFERRED.kiosk);
  const kioskApp = await start(
    "kiosk app",
    "kiosk-ui/bin/proxima-kiosk.js",
    ["serve", "--port", String(kioskPort), "--provision", provision],
    (j) => j.msg === "listening",
  );
  console.log(`
Proxima demo is running (Ctrl-C stops it)
  cloud API     ${cloud.url}   (health: ${cloud.url}/health, metrics: ${cloud.url}/metrics)
  gateway       ${gateway.gatewayId} for venue ${gateway.venueId}: MQTT ${gateway.url}, WebSocket ${gateway.wsUrl}, ${gateway.profiles} cached profiles, syncing to the cloud
  dashboard     ${cloud.url}/   sign in as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}
  kiosks        ${kiosks.map((k) => `${k.id} (password ${k.secret})`).join(", ")}
  kiosk app     ${kiosks.map((k) => `${kioskApp.url}/${k.id}/`).join("  ")}   (touchscreen; try loyalty code 00100001)
  try it        mosquitto_sub -V mqttv311 -p ${gateway.port} -i ${kiosks[0].id} -u ${kiosks[0].id} -P ${kiosks[0].secret} -t proxima/${gateway.venueId}/zone/kiosk-1/occupancy
`);
} catch (error) {
  console.error(`[demo] ${error.message}`);
  shutdown(1);
}
