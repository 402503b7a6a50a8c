import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["shared", "edge-gateway", "cloud-api", "firmware-config", "kiosk-ui", "dashboard", "tests"],
  },
});
