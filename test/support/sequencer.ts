import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The files that take longest, longest first (by their share of a whole run on the 2-core machine). Two forks share the
 * files in the order given: a long file started last runs alone at the end while the other fork idles, so the long
 * ones go first and the short ones fill in after them.
 * Vitest orders by the durations of its last run where it has them, but CI runs a fresh clone: no such cache, and its
 * fallback (largest file first) put short files of long tests, such as the kill -9 test, last.
 */
export const heaviest = [
  "test/package.test.ts",
  "test/resume.test.ts",
  "test/crawl-faults.test.ts",
  "test/console.test.ts",
  "test/crawl-concurrency.test.ts",
  "test/cli.test.ts",
  "test/export.test.ts",
  "test/workers.test.ts",
  "test/onedb.test.ts",
  "test/crawl-reasons.test.ts",
  "test/api.test.ts",
  "test/api-media.test.ts",
  "test/polite-intervals.test.ts",
  "test/server-restart.test.ts",
  "test/extract-quality.test.ts",
  "test/api-embed.test.ts",
  "test/search-cli.test.ts",
  "test/embed.test.ts",
  "test/readable.test.ts",
  "test/api-input.test.ts",
  "test/readable-cli.test.ts",
  "test/progress.test.ts",
  "test/media.test.ts",
  "test/media-cli.test.ts"
]

/** `heaviest` first, in its order; every other file after them, in Vitest's own order. */
export class HeaviestFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>) {
    const rank = (spec: TestSpecification) => {
      const i = heaviest.findIndex((name) => spec.moduleId.endsWith(name))
      return i < 0 ? heaviest.length : i
    }
    // A stable sort: files of equal rank keep Vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b))
  }
}
