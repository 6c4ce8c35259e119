// Summarises a V8 .cpuprofile (what `node --cpu-prof` or the inspector writes): self time by function and by file,
// and the inclusive time of the crawl's stages, so a throughput below target is explained in the report itself.
//
//   npx tsx bench/cpuprofile.ts <file.cpuprofile> [top=25]
//
// tsx compiles each TypeScript file to one line of anonymous arrow functions (esbuild's keepNames wraps them in
// calls), so frames of our own code are mapped back through the source maps tsx registers; that only works in the
// process that loaded the code, i.e. when the benchmark summarises its own profile. From the command line, frames of
// TypeScript files keep their compiled positions.

import * as fs from "node:fs"
import { findSourceMap } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface ProfileLine {
  readonly name: string
  readonly ms: number
  /** Of the profile's whole duration, idle time included. */
  readonly share: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly idleShare: number
  readonly gcShare: number
  readonly byFunction: ReadonlyArray<ProfileLine>
  readonly byFile: ReadonlyArray<ProfileLine>
  readonly stages: ReadonlyArray<ProfileLine>
}

interface Frame {
  readonly name: string
  readonly file: string
  readonly line: number
}

const relative = (file: string) => {
  const nm = file.lastIndexOf("node_modules/")
  if (nm >= 0) return file.slice(nm + "node_modules/".length)
  const cwd = process.cwd() + path.sep
  return file.startsWith(cwd) ? file.slice(cwd.length) : file
}

const sourceLines = new Map<string, ReadonlyArray<string>>()
const linesOf = (file: string) => {
  let lines = sourceLines.get(file)
  if (lines === undefined) {
    try {
      lines = fs.readFileSync(file, "utf8").split("\n")
    } catch {
      lines = []
    }
    sourceLines.set(file, lines)
  }
  return lines
}

// The name a reader would look for at a function's first line: `const extract = (…` → extract, `store: (…` → store.
const DECLARED = /(?:function\*?\s+([\w$]+))|(?:(?:const|let|var)\s+([\w$]+)\s*=)|(?:^\s*([\w$]+)\s*[:=]\s*)|(?:\b([\w$]+)\s*\([^()]*\)\s*(?:=>|\{))/

const resolveFrame = (frame: CallFrame): Frame => {
  const { url } = frame
  if (url === "") return { name: frame.functionName || "(anonymous)", file: "(native)", line: 0 }
  if (url.startsWith("file://") && url.endsWith(".ts")) {
    const entry = findSourceMap(url)?.findEntry(frame.lineNumber, frame.columnNumber)
    if (entry !== undefined && "originalSource" in entry && entry.originalSource) {
      const file = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : entry.originalSource
      const text = linesOf(file)[entry.originalLine] ?? ""
      const m = DECLARED.exec(text)
      const declared = m?.[1] ?? m?.[2] ?? m?.[3] ?? m?.[4]
      return { name: frame.functionName || declared || "(anonymous)", file: relative(file), line: entry.originalLine + 1 }
    }
  }
  const file = url.startsWith("file://") ? fileURLToPath(url) : url
  return { name: frame.functionName || "(anonymous)", file: relative(file), line: frame.lineNumber + 1 }
}

/** Inclusive stages: a sample counts once for a stage if any frame of its stack belongs to it. */
const STAGES: ReadonlyArray<readonly [label: string, test: (f: Frame) => boolean]> = [
  ["extraction: extract() (parse, Readability, Markdown, links, language)", (f) => f.name === "extract" && f.file.endsWith("extractor/extract.ts")],
  ["  parseDocument (linkedom parse, twice when Readability is unsure)", (f) => f.name === "parseDocument"],
  ["  readableContent (Readability or heuristic)", (f) => f.name === "readableContent"],
  ["  toMarkdown (turndown)", (f) => f.name === "toMarkdown"],
  ["  languages (tinyld)", (f) => f.file.startsWith("tinyld/")],
  ["relevance + markdownToText", (f) => f.name === "relevance" || f.name === "markdownToText"],
  ["PGlite (WebAssembly Postgres, all queries)", (f) => f.file.includes("@electric-sql/pglite")],
  ["pg protocol (node-postgres client)", (f) => f.file.startsWith("pg/") || f.file.startsWith("pg-protocol/")],
  ["HTTP client (undici)", (f) => f.file.startsWith("undici/") || f.file.includes("node:internal/deps/undici")],
  ["garbage collector", (f) => f.name === "(garbage collector)"]
]

const EFFECT_SELF = "Effect runtime, self time only (fibers, streams, queues)"

const top = (m: Map<string, number>, total: number, n: number): Array<ProfileLine> =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({
    name,
    ms: Math.round(us / 1000),
    share: Math.round((us / total) * 1000) / 10
  }))

export const summarizeProfile = (file: string, n = 25): ProfileSummary => {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const frames = new Map(profile.nodes.map((node) => [node.id, resolveFrame(node.callFrame)]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const total = profile.endTime - profile.startTime
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  const stages = new Map<string, number>()
  let idle = 0
  let gc = 0
  for (const [id, us] of selfUs) {
    const f = frames.get(id)!
    const raw = nodes.get(id)!.callFrame.functionName
    if (raw === "(idle)") idle += us
    if (raw === "(garbage collector)") gc += us
    const key = f.file === "(native)" ? f.name : `${f.name} ${f.file}:${f.line}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
    const fileKey = f.file === "(native)" ? f.name : f.file
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us)
    const hit = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = frames.get(cur)!
      for (const [label, test] of STAGES) if (!hit.has(label) && test(frame)) hit.add(label)
    }
    for (const label of hit) stages.set(label, (stages.get(label) ?? 0) + us)
    // Everything runs inside fibers, so the runtime's inclusive time says nothing: its own (self) time does.
    if (f.file.startsWith("effect/")) stages.set(EFFECT_SELF, (stages.get(EFFECT_SELF) ?? 0) + us)
  }
  return {
    totalMs: Math.round(total / 1000),
    idleShare: Math.round((idle / total) * 1000) / 10,
    gcShare: Math.round((gc / total) * 1000) / 10,
    byFunction: top(byFunction, total, n),
    byFile: top(byFile, total, n),
    stages: [...STAGES.map(([label]) => label), EFFECT_SELF].filter((l) => stages.has(l)).map((label) => ({
      name: label,
      ms: Math.round(stages.get(label)! / 1000),
      share: Math.round((stages.get(label)! / total) * 1000) / 10
    }))
  }
}

export const formatProfile = (s: ProfileSummary, n = 15): string => {
  const lines = (title: string, rows: ReadonlyArray<ProfileLine>) =>
    [`  ${title}`, ...rows.slice(0, n).map((l) => `  ${String(l.ms).padStart(7)} ms ${l.share.toFixed(1).padStart(5)} %  ${l.name}`)]
  return [
    `  profile of ${s.totalMs} ms on the main thread: idle ${s.idleShare} %, GC ${s.gcShare} %`,
    ...lines("inclusive time by stage", s.stages),
    ...lines("self time by function", s.byFunction),
    ...lines("self time by file", s.byFile)
  ].join("\n")
}

const invokedDirectly = process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)

if (invokedDirectly) {
  const [file, n] = process.argv.slice(2)
  if (file === undefined) {
    console.error("usage: tsx bench/cpuprofile.ts <file.cpuprofile> [top]")
    process.exit(2)
  }
  console.log(formatProfile(summarizeProfile(file), n === undefined ? 25 : Number(n)))
}
