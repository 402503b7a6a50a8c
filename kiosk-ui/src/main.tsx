import type { KioskProvisioning } from "@proxima/shared";
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { localSnapshotStore } from "./catalogue/snapshot.js";
import { EventQueue, localEventStore } from "./events/queue.js";
import { MqttLink } from "./gateway/mqtt-link.js";
import { type Boot, loadProvisioning, saveSetup } from "./provisioning/load.js";
import { Setup } from "./provisioning/Setup.js";
import "./kiosk.css";

// one gateway connection per page, created outside React (StrictMode renders twice in development)
let started: { link: MqttLink; queue: EventQueue } | null = null;

function Kiosk({ config }: { config: KioskProvisioning }) {
  if (!started) {
    const link = new MqttLink({ config });
    started = { link, queue: new EventQueue(link, localEventStore(localStorage)) };
  }
  return <App config={config} {...started} snapshots={localSnapshotStore(localStorage)} />;
}

function Root({ boot }: { boot: Boot }) {
  const [config, setConfig] = useState(boot.kind === "ready" ? boot.config : null);
  if (config) return <Kiosk config={config} />;
  if (boot.kind !== "setup") return null;
  return (
    <Setup
      lock={boot.lock}
      problem={boot.problem}
      onSave={(next, input) => {
        saveSetup(localStorage, input);
        setConfig(next);
      }}
    />
  );
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
const boot = await loadProvisioning({
  search: location.search,
  storage: localStorage,
  fetchBundle: async () => {
    const res = await fetch("kiosk.json", { cache: "no-store" });
    return res.ok ? res.text() : null;
  },
});
createRoot(root).render(
  <StrictMode>
    <Root boot={boot} />
  </StrictMode>,
);
