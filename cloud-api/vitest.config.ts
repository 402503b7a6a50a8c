import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@proxima/source"] },
  ssr: { resolve: { conditions: ["@proxima/source"] } },
  test: { name: "cloud-api", include: ["src/**/*.test.ts"] },
});
