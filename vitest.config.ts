import { defineConfig } from "vitest/config"

const conditions = ["@vigia/source", "node", "import", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@vigia/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    globalSetup: ["./vitest.services.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
