// Pacing as the sites see it, through the `mwi` command of a checkout (this one, or another given with --root, e.g. a
// worktree of an older commit, so that before and after run side by side in one session):
//   - slow host: one host with robots `Crawl-delay: 1` whose pages are found as the crawl goes (each links to the next
//     ones), beside fast hosts, with a thread spinning: (requests to it − 1) × 1 s ÷ the span its own log shows;
//   - 429: a host answering 429 to requests closer than 250 ms, crawled at --delay-ms 100: how many 429 it sent;
//   - --concurrency auto against fixed 5, 10 and 20 on one latency-bound crawl (pages/s as the sites see it).
//   npx tsx bench/pacing.ts [--root DIR] [--only slow,429,auto]
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { articlePage } from "../test/support/fixture-site.js"

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const root = path.resolve(argValue("--root") ?? here)
const only = new Set((argValue("--only") ?? "slow,429,auto").split(","))

interface Host {
  readonly origin: string
  /** Arrival times (ms, performance.now of this process) and statuses of the requests other than robots.txt. */
  readonly log: Array<{ at: number; status: number }>
  readonly close: () => Promise<void>
}

/** A loopback host of `pages` pages; page i links to pages 2i+1 and 2i+2, so the crawl finds them as it goes. */
const startHost = async (opts: {
  pages: number
  latencyMs: number
  robots?: string
  status?: (at: number) => number
}): Promise<Host> => {
  const log: Host["log"] = []
  const filler = Array.from({ length: 30 }, (_, i) => `<p>Paragraphe ${i} sur le climat et ses effets, assez long pour que l'extraction travaille un peu.</p>`).join("")
  const server = http.createServer((req, res) => {
    const at = performance.now()
    if (req.url === "/robots.txt") {
      if (opts.robots === undefined) return res.writeHead(404).end()
      return res.writeHead(200, { "content-type": "text/plain" }).end(opts.robots)
    }
    const m = /^\/p\/(\d+)$/.exec(req.url ?? "")
    const i = m ? Number(m[1]) : -1
    const status = i < 0 || i >= opts.pages ? 404 : opts.status?.(at) ?? 200
    log.push({ at, status })
    if (status !== 200) return res.writeHead(status).end()
    const links = [2 * i + 1, 2 * i + 2].filter((j) => j < opts.pages).map((j) => [`/p/${j}`, `page ${j}`] as const)
    const html = articlePage({ title: `Climat ${i}`, topic: "le climat", links }).replace("</article>", `${filler}</article>`)
    setTimeout(() => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html), opts.latencyMs)
  })
  server.keepAliveTimeout = 10_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { origin, log, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

const mwi = (dataDir: string, args: ReadonlyArray<string>) =>
  new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bin", "mwi.js"), ...args], {
      env: { ...process.env, MWI_DATA_DIR: dataDir, MWI_ALLOW_PRIVATE_NETWORK: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (out += String(d)))
    child.once("exit", (code) => code === 0 ? resolve(out) : reject(new Error(`mwi ${args.join(" ")} failed (${code}): ${out}`)))
  })

/** Crawls from the hosts' first pages (or the seeds given) on a fresh embedded database; returns the crawl's wall time in seconds. */
const crawl = async (hosts: ReadonlyArray<Host>, options: ReadonlyArray<string>, seeds = hosts.map((h) => `${h.origin}/p/0`)) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-pacing-"))
  try {
    await mwi(dataDir, ["land", "create", "--name", "bench", "--terms", "climat"])
    await mwi(dataDir, ["land", "addurl", "--land", "bench", "--urls", seeds.join(" ")])
    const started = performance.now()
    await mwi(dataDir, ["land", "crawl", "--name", "bench", "--minrel", "0", "--depth", "100", ...options])
    return (performance.now() - started) / 1000
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits
const span = (hosts: ReadonlyArray<Host>) => {
  const times = hosts.flatMap((h) => h.log.map((r) => r.at))
  return (Math.max(...times) - Math.min(...times)) / 1000
}

const slowHost = async () => {
  const spinner = new Worker("for (;;) {}", { eval: true })
  const slow = await startHost({ pages: 27, latencyMs: 50, robots: "User-agent: *\nCrawl-delay: 1\n" })
  const fast = await Promise.all(Array.from({ length: 9 }, () => startHost({ pages: 40, latencyMs: 50 })))
  try {
    const wallS = await crawl([slow, ...fast], ["--delay-ms", "200", "--concurrency", "10"])
    const at = slow.log.map((r) => r.at).sort((a, b) => a - b)
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    const spanS = (at[at.length - 1]! - at[0]!) / 1000
    return {
      requests: at.length,
      spanS: round(spanS, 2),
      ratio: round((at.length - 1) / spanS),
      closestGapMs: round(Math.min(...gaps), 1),
      longestGapMs: round(Math.max(...gaps), 1),
      wallS: round(wallS, 1)
    }
  } finally {
    await spinner.terminate()
    await Promise.all([slow, ...fast].map((h) => h.close()))
  }
}

const refusals = async () => {
  let last = -Infinity
  const touchy = await startHost({
    pages: 15,
    latencyMs: 20,
    status: (at) => {
      const tooSoon = at - last < 250
      last = at
      return tooSoon ? 429 : 200
    }
  })
  try {
    // every page known from the start, as in the crawl that got 20 answers 429
    await crawl([touchy], ["--delay-ms", "100", "--concurrency", "4"], Array.from({ length: 15 }, (_, i) => `${touchy.origin}/p/${i}`))
    return { requests: touchy.log.length, answered429: touchy.log.filter((r) => r.status === 429).length }
  } finally {
    await touchy.close()
  }
}

const concurrency = async (value: string) => {
  const hosts = await Promise.all(Array.from({ length: 20 }, () => startHost({ pages: 8, latencyMs: 300 })))
  try {
    const wallS = await crawl(hosts, ["--delay-ms", "0", "--concurrency", value])
    const pages = hosts.reduce((n, h) => n + h.log.length, 0)
    return { concurrency: value, pages, spanS: round(span(hosts), 2), pagesPerSecond: round(pages / span(hosts), 2), wallS: round(wallS, 1) }
  } finally {
    await Promise.all(hosts.map((h) => h.close()))
  }
}

const commit = execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"]).toString().trim()
const load = () => round(os.loadavg()[0]!, 2)
const summary: Record<string, unknown> = { at: new Date().toISOString(), root, commit, loadAverageBefore: load(), cpus: os.cpus().length }
console.log(`pacing bench on ${root} (${commit}), load average ${summary["loadAverageBefore"]} on ${summary["cpus"]} CPUs`)
if (only.has("slow")) {
  const r = await slowHost()
  summary["slowHost"] = { ...r, loadAverage: load() }
  console.log(`slow host (Crawl-delay 1 s, 27 pages found as it goes, 9 fast hosts, a thread spinning): ` +
    `${r.requests} requests over ${r.spanS} s, ratio ${r.ratio} (target ≥ 0.95); gaps ${r.closestGapMs}–${r.longestGapMs} ms; load ${load()}`)
}
if (only.has("429")) {
  const r = await refusals()
  summary["refusals"] = { ...r, loadAverage: load() }
  console.log(`429 host (refuses requests < 250 ms apart) at --delay-ms 100: ${r.answered429} answers 429 of ${r.requests} (target ≤ 3); load ${load()}`)
}
if (only.has("auto")) {
  const runs = []
  for (const value of ["5", "10", "20", "auto"]) {
    const r = await concurrency(value)
    runs.push({ ...r, loadAverage: load() })
    console.log(`--concurrency ${value}: ${r.pages} pages (20 hosts, 300 ms) in ${r.spanS} s, ${r.pagesPerSecond} pages/s; load ${load()}`)
  }
  const best = Math.max(...runs.filter((r) => r.concurrency !== "auto").map((r) => r.pagesPerSecond))
  summary["concurrency"] = { runs, autoOverBestFixed: round(runs.find((r) => r.concurrency === "auto")!.pagesPerSecond / best) }
  console.log(`auto ÷ best fixed: ${(summary["concurrency"] as { autoOverBestFixed: number }).autoOverBestFixed}`)
}
const out = path.join(here, "bench", "results", `pacing-${commit}.json`)
fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(out, JSON.stringify(summary, null, 2) + "\n")
