import react from "@vitejs/plugin-react";
import { defaultClientConditions } from "vite";
import { defineConfig } from "vitest/config";

// `pnpm dev` proxies the API to a local cloud (proxima-cloud serve, default port 8080).
const cloud = process.env.PROXIMA_CLOUD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  // conditions replace Vite's defaults: keep "browser", "module" and the mode condition
  resolve: { conditions: ["@proxima/source", ...defaultClientConditions] },
  server: { proxy: { "/v1": { target: cloud, changeOrigin: false } } },
  build: { outDir: "dist", sourcemap: true },
  test: { name: "dashboard", environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
