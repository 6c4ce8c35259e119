import { defineConfig } from "vitest/config"
import { HeaviestFirst } from "./test/support/sequencer.js"

// No database and no PostgreSQL to start: pure rules, politeness and the login limiter on the test clock, the fetcher
// and robots on loopback, the extractor on the main thread; seconds (`npm run test:unit`).
const unit = [
  "test/url.test.ts",
  "test/stem.test.ts",
  "test/relevance.test.ts",
  "test/media-rules.test.ts",
  "test/readable-merge.test.ts",
  "test/robots.test.ts",
  "test/network-guard.test.ts",
  "test/politeness.test.ts",
  "test/login-limiter.test.ts",
  "test/fetcher.test.ts",
  "test/media-analyzer.test.ts",
  "test/extractor.test.ts",
  "test/job-counters.test.ts",
  "test/paragraphs.test.ts",
  "test/embed-providers.test.ts",
  "test/exact-rows.test.ts",
  "test/near-copies.test.ts",
  "test/password-hasher.test.ts"
]

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Vitest's default is one fork per core but one, a single fork here; the suites spend much of their time waiting on
    // sockets, PostgreSQL and child processes, so two overlap those waits.
    maxWorkers: 2,
    // The files of a fork share its loaded modules: Effect, the platform and PGlite load once per fork, not once per
    // file. Every suite builds its own layers (databases, servers, pools); the setup file gives each file the
    // @effect/vitest testers as first loaded (layer() rewrites them in place).
    isolate: false,
    setupFiles: ["test/support/pristine-it.ts"],
    // A suite on both databases runs its two halves at once, every test of a half started together and waiting its
    // turn (test/support/databases.ts): Vitest's default of 5 tests at once would leave the other half waiting.
    maxConcurrency: 100,
    // The longest files first (test/support/sequencer.ts).
    sequence: { sequencer: HeaviestFirst },
    projects: [
      { extends: true, test: { name: "unit", include: unit } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: unit,
          // Only this project starts PostgreSQL and builds the migrated PGlite template.
          globalSetup: ["test/support/global-setup.ts"],
          // One extraction worker per pool: each loads the extractor's sources for seconds on start, and the suites'
          // few pages need no second (test/extractor-pool.test.ts sets its own counts). Passwords hashed at scrypt's
          // cheapest cost the service accepts: the default costs 0.35 CPU-s a hash or a login, and the suites make
          // dozens (test/password-hasher.test.ts checks the default).
          env: { MWI_EXTRACT_WORKERS: "1", MWI_SCRYPT_COST: "1024" }
        }
      }
    ]
  }
})
