import { defineProject } from "vitest/config";

// Cross-package, browser and fault tests: real processes, sockets and databases, so
// files run one at a time and get generous timeouts.
export default defineProject({
  resolve: { conditions: ["@proxima/source"] },
  ssr: { resolve: { conditions: ["@proxima/source"] } },
  test: {
    name: "tests",
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
