import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["@proxima/source"] },
  build: { outDir: "dist", sourcemap: true },
  test: { name: "kiosk-ui", environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
