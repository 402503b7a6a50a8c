import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defaultClientConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // conditions replace Vite's defaults: keep "browser" etc., or mqtt resolves to its Node build
  resolve: {
    conditions: ["@proxima/source", ...defaultClientConditions],
    // mqtt.js's WebSocket transport requires Node's "buffer": the npm polyfill, not an empty external
    alias: { buffer: fileURLToPath(new URL("./node_modules/buffer/index.js", import.meta.url)) },
  },
  // relative asset URLs: one build serves every kiosk under /<kioskId>/
  base: "./",
  build: { outDir: "dist", sourcemap: true },
  test: {
    name: "kiosk-ui",
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
