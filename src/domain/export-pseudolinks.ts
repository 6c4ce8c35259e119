import type { CsvTable } from "./export-csv.js"
import type { GexfEdge } from "./export-gexf.js"

// The pseudolinks exports: pairs of paragraphs alike on different pages, and the same aggregated to pairs of pages
// and pairs of domains. A pair is unordered; its "source" is on the page (or domain) with the smaller id.

export interface ParagraphPairRow {
  readonly sourceParagraphId: number
  readonly targetParagraphId: number
  /** The model key of a vector neighbour, `exact` for identical normalised text. */
  readonly method: string
  readonly similarity: number
  readonly sourceId: number
  readonly sourceUrl: string
  readonly sourceDomain: string
  readonly targetId: number
  readonly targetUrl: string
  readonly targetDomain: string
  readonly sourceText: string
  readonly targetText: string
}

export interface PagePairRow {
  readonly sourceId: number
  readonly sourceUrl: string
  readonly sourceDomain: string
  readonly targetId: number
  readonly targetUrl: string
  readonly targetDomain: string
  /** Distinct paragraph pairs between the two pages. */
  readonly pairs: number
  readonly maxSimilarity: number
  readonly meanSimilarity: number
}

export interface DomainPairRow {
  readonly sourceDomainId: number
  readonly sourceDomain: string
  readonly targetDomainId: number
  readonly targetDomain: string
  readonly pagePairs: number
  readonly pairs: number
  readonly maxSimilarity: number
  readonly meanSimilarity: number
}

export const paragraphPairCsv: CsvTable<ParagraphPairRow> = {
  columns: [
    "source_paragraph_id", "target_paragraph_id", "method", "similarity", "source_id", "source_url", "source_domain",
    "target_id", "target_url", "target_domain", "source_text", "target_text"
  ],
  cells: (r) => [
    r.sourceParagraphId, r.targetParagraphId, r.method, r.similarity, r.sourceId, r.sourceUrl, r.sourceDomain,
    r.targetId, r.targetUrl, r.targetDomain, r.sourceText, r.targetText
  ]
}

export const pagePairCsv: CsvTable<PagePairRow> = {
  columns: [
    "source_id", "source_url", "source_domain", "target_id", "target_url", "target_domain", "pairs",
    "max_similarity", "mean_similarity"
  ],
  cells: (r) => [
    r.sourceId, r.sourceUrl, r.sourceDomain, r.targetId, r.targetUrl, r.targetDomain, r.pairs, r.maxSimilarity,
    r.meanSimilarity
  ]
}

export const domainPairCsv: CsvTable<DomainPairRow> = {
  columns: [
    "source_domain_id", "source_domain", "target_domain_id", "target_domain", "page_pairs", "pairs", "max_similarity",
    "mean_similarity"
  ],
  cells: (r) => [
    r.sourceDomainId, r.sourceDomain, r.targetDomainId, r.targetDomain, r.pagePairs, r.pairs, r.maxSimilarity,
    r.meanSimilarity
  ]
}

/** A page pair as a graph edge, weighted by its paragraph pairs. */
export const pagePairEdge = (r: PagePairRow): GexfEdge => ({ source: r.sourceId, target: r.targetId, weight: r.pairs })
