// The hash provider's similarities on pairs built from test/fixtures/passages.ts, in English and French: a passage
// and its light edits or quotations (reuse) against unrelated passages of the same language and translations (no
// reuse). Prints the distributions from which the default pseudolinks threshold (src/services/Pseudolinks.ts) is chosen.
// Run: npx tsx bench/pseudolinks-threshold.ts
import { dot } from "../src/domain/vector.js"
import { hashEmbedding } from "../src/services/embeddings/hash.js"
import { HASH_THRESHOLD } from "../src/services/Pseudolinks.js"
import { edited, english, french, quoted, unrelatedPairs } from "../test/fixtures/passages.js"

const sim = (a: string, b: string) => dot(hashEmbedding(a), hashEmbedding(b))

const stats = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!
  return { n: s.length, min: +s[0]!.toFixed(3), p10: +at(0.1).toFixed(3), median: +at(0.5).toFixed(3), p90: +at(0.9).toFixed(3), max: +s.at(-1)!.toFixed(3) }
}

const around = { en: ["As the local paper reported this week,", "Readers have sent us many reactions."], fr: ["Comme le rapportait cette semaine le journal local,", "Nos lecteurs ont réagi nombreux."] }

const groups: Record<string, Array<number>> = {}
const add = (name: string, v: number) => (groups[name] ??= []).push(v)

for (const [lang, passages] of [["en", english], ["fr", french]] as const) {
  for (const p of passages) {
    add(`${lang} edited 1 word in 8, last sentence dropped`, sim(p, edited(p, 8)))
    add(`${lang} edited 1 word in 4, last sentence dropped`, sim(p, edited(p, 4)))
    add(`${lang} quoted inside other words`, sim(p, quoted(p, around[lang][0]!, around[lang][1]!)))
    add(`${lang} first half only`, sim(p, p.slice(0, Math.floor(p.length / 2))))
  }
  for (const [a, b] of unrelatedPairs(passages)) {
    add(`${lang} unrelated`, sim(a, b))
    add(`${lang} unrelated, one edited`, sim(a, edited(b)))
  }
}
english.forEach((p, i) => add("translations en/fr (no reuse)", sim(p, french[i]!)))

const rows = Object.entries(groups).map(([pairs, v]) => ({ pairs, ...stats(v) }))
console.table(rows)
const reuse = rows.filter((r) => !/unrelated|translations/.test(r.pairs))
const other = rows.filter((r) => /unrelated|translations/.test(r.pairs))
console.log(JSON.stringify({
  threshold: HASH_THRESHOLD,
  lowestReuse: Math.min(...reuse.map((r) => r.min)),
  highestUnrelated: Math.max(...other.map((r) => r.max))
}))
