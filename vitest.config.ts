import { defineConfig } from "vitest/config"

const conditions = ["@vigia/source", "node", "import", "default"]
const integration = "packages/*/test/**/*.integration.test.ts"

/**
 * Two projects: `unit` needs no service at all (`npx vitest run --project unit`); `integration`
 * (`*.integration.test.ts`) runs against the machine's PostgreSQL, Redis and Docker engine, which
 * its global setup checks first. `npx vitest run` runs both.
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@vigia/source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["packages/*/test/**/*.test.ts"], exclude: [integration] } },
      { extends: true, test: { name: "integration", include: [integration], globalSetup: ["./vitest.services.ts"] } }
    ]
  }
})
