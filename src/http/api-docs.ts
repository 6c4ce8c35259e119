import type { HttpApi, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import type { MwiApi } from "./api.js"

// The summary and description of every operation of the JSON API, by operation id (`group.endpoint`): the record's
// type lists every endpoint of MwiApi, so one added without its text does not compile.

type OperationOf<Group> = Group extends unknown
  ? `${HttpApiGroup.HttpApiGroup.Name<Group>}.${HttpApiEndpoint.HttpApiEndpoint.Name<HttpApiGroup.HttpApiGroup.Endpoints<Group>>}`
  : never
type OperationId<Api> = Api extends HttpApi.HttpApi<string, infer Groups, any, any> ? OperationOf<Groups> : never

interface Doc {
  readonly summary: string
  readonly description: string
}

const PAGED = "A page of the list: `limit` items (default 50, at most 500) from `offset`, with the `total`."
const JOB = "Starts the job in the background and answers 202 with its id at once; follow it at /api/v1/jobs/{id}/events " +
  "(WebSocket) or /api/v1/jobs/{id}. A land runs one job of each kind at a time (409 otherwise)."

const operations: Record<OperationId<typeof MwiApi>, Doc> = {
  "auth.login": {
    summary: "Sign in",
    description: "Exchanges a username and password for an API token, sent afterwards as `Authorization: Bearer <token>`. " +
      "Repeated failures from one address are refused for a while (429)."
  },
  "account.me": { summary: "The signed-in user", description: "The account the token belongs to." },
  "account.listTokens": { summary: "List my tokens", description: "The caller's API tokens (names, dates; never the secrets)." },
  "account.createToken": {
    summary: "Create a token",
    description: "A new named API token for the caller, valid `expiresInDays` days (default MWI_LOGIN_TOKEN_DAYS); the secret is shown only in this answer."
  },
  "account.revokeToken": { summary: "Revoke a token", description: "The token stops working at once." },
  "account.listUsers": { summary: "List users", description: "Every account (administrators only)." },
  "account.createUser": { summary: "Create a user", description: "A new account (administrators only); `isAdmin` makes it an administrator." },
  "lands.create": {
    summary: "Create a land",
    description: "A land is a research topic: a name, a description, its languages and a dictionary of weighted terms " +
      "(given as a comma-separated string or a list) that scores the relevance of its pages."
  },
  "lands.list": { summary: "List lands", description: `The caller's lands (an administrator's: every land, with its owner's name), by name (\`name\` filters on a part of it). ${PAGED}` },
  "lands.get": { summary: "Get a land", description: "A land with its counts of pages by state." },
  "lands.update": { summary: "Update a land", description: "Renames a land or changes its description or languages." },
  "lands.delete": { summary: "Delete a land", description: "Deletes a land with its pages, links, media, jobs and vectors." },
  "lands.terms": { summary: "List a land's terms", description: "The land's dictionary: each term, its stemmed lemma and weight." },
  "lands.addTerms": {
    summary: "Add terms",
    description: "Adds terms to the land's dictionary and scores its stored pages again; answers what was added and how many pages were rescored."
  },
  "lands.removeTerm": { summary: "Remove a term", description: "Removes a term from the dictionary and scores the stored pages again." },
  "lands.addUrls": {
    summary: "Add seed URLs",
    description: "Adds URLs to the land's frontier at depth 0 (up to 100,000 at once); answers how many were added, already known or refused, and why."
  },
  "lands.stats": { summary: "A land's statistics", description: "Counts of pages by state and HTTP status, domains, links, media and relevance." },
  "lands.domains": { summary: "List a land's domains", description: `The hosts of the land's pages with their counts and average relevance. ${PAGED}` },
  "lands.graph": {
    summary: "A land's link graph",
    description: "Pages (nodes) at least `minrel` relevant and the links between them (edges), at most `limit` nodes, most relevant first."
  },
  "lands.expressions": {
    summary: "List a land's pages",
    description: `The land's pages (expressions), filtered by relevance, depth, HTTP status, crawl state, host or text, sorted. ${PAGED}`
  },
  "lands.expression": {
    summary: "Get a page",
    description: "One page with its readable text, metadata, relevance, crawl state and reason, links and media."
  },
  "media.list": {
    summary: "List a land's media",
    description: `The images, videos and audio of a land's pages with their analysis (size, format, colours, EXIF, hashes); \`nearDuplicatesOf\` lists the images that look like one. ${PAGED}`
  },
  "media.get": { summary: "Get a media item", description: "One media item of the land with its analysis." },
  "jobs.crawl": { summary: "Start a crawl", description: `Fetches the land's frontier, extracts and scores pages and follows their links. ${JOB}` },
  "jobs.crawlJob": { summary: "Start a crawl (under /jobs)", description: `The same as POST /api/v1/lands/{id}/crawl, beside the other job kinds. ${JOB}` },
  "jobs.media": { summary: "Start a media analysis", description: `Downloads and analyses the media of the land's pages. ${JOB}` },
  "jobs.readable": {
    summary: "Start a readable job",
    description: `Re-extracts the readable text of the land's pages: Readability, then the web archive, then a heuristic. ${JOB}`
  },
  "jobs.embed": {
    summary: "Start an embedding job",
    description: `Splits the land's readable pages into paragraphs and stores a vector of each, with the chosen provider and model. ${JOB}`
  },
  "jobs.landJobs": { summary: "List a land's jobs", description: `The land's jobs, newest first, with their status, counters and progress. ${PAGED}` },
  "jobs.get": { summary: "Get a job", description: "A job's kind, parameters, status, counters, progress, stage, result and error." },
  "jobs.cancel": { summary: "Cancel a job", description: "Stops a running job; it ends `cancelled`, and can be resumed." },
  "jobs.resume": {
    summary: "Resume a job",
    description: "Runs an interrupted, cancelled or failed job again from where it stopped, with its parameters and counters."
  },
  "search.search": {
    summary: "Semantic search",
    description: "The paragraphs of the land's embedded pages nearest in meaning to `q` (the land must have been embedded)."
  },
  "search.similar": { summary: "Pages like a page", description: "The land's pages whose paragraphs are nearest to this page's." },
  "search.pseudolinks": {
    summary: "Start a pseudolinks job",
    description: `Finds passages reused across the land's pages (nearest paragraphs and exact duplicates) and stores them as pseudolinks. ${JOB}`
  }
}

const groups: Readonly<Record<string, string>> = {
  auth: "Signing in.",
  account: "The caller's account, tokens, and (administrators) the users.",
  lands: "Lands: their dictionaries, seeds, statistics, domains, pages and link graph.",
  media: "The media of a land's pages and their analysis.",
  jobs: "Background jobs (crawl, media, readable, embed): start, watch, cancel, resume.",
  search: "Semantic search over embedded paragraphs, and pseudolinks."
}

/** Fills in the summary and description of each operation of the JSON API, and each group's description. */
export const describeOperations = (spec: Record<string, any>): Record<string, any> => {
  const docs = operations as Readonly<Record<string, Doc>>
  for (const path of Object.values(spec["paths"] ?? {})) {
    for (const op of Object.values(path as Record<string, any>)) {
      const doc = docs[op.operationId]
      if (doc !== undefined) Object.assign(op, { summary: op.summary ?? doc.summary, description: op.description ?? doc.description })
    }
  }
  for (const tag of spec["tags"] ?? []) tag.description ??= groups[tag.name]
  return spec
}

/**
 * Effect's JSON Schema gives `unknown` and `object` an `$id` (/schemas/unknown) at each use; the same `$id` twice makes
 * the document invalid for strict validators, and the ids name nothing a client can fetch.
 */
export const withoutSchemaIds = (spec: Record<string, any>): Record<string, any> =>
  JSON.parse(JSON.stringify(spec, (key, value) => key === "$id" && typeof value === "string" && value.startsWith("/schemas/") ? undefined : value))
