import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@proxima/source"] },
  ssr: { resolve: { conditions: ["@proxima/source"] } },
  test: { name: "shared", include: ["src/**/*.test.ts"] },
});
