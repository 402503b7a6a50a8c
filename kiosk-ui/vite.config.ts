import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["@proxima/source"] },
  // relative asset URLs: one build serves every kiosk under /<kioskId>/
  base: "./",
  build: { outDir: "dist", sourcemap: true },
  test: { name: "kiosk-ui", environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
