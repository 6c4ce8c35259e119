// Embed stage benchmark.
//
//   npx tsx bench/embed.ts [--quick] [--rounds N] [--pages N] [--root DIR] [--before DIR] [--profile]
//                          [--only hash,crawl,polite]
//
// A. The offline `hash` provider alone: paragraphs embedded per second (paragraphs split from generated pages of
//    English and French prose), and the splitter's pages per second.
// B. The cost of `land crawl --embed`: the `mwi` command of a checkout (this one, or --root DIR) crawls a loopback site
//    (pages of prose answering after a network-like latency) on a fresh embedded database, with and without --embed.
//    Timed from the site's first page request to the command's exit (the process's start, the same for both, is left
//    out). Rounds of one plain and one inline crawl, the order swapped each round, so that a shared machine whose speed
//    drifts weighs on both alike; the ratio is taken round by round, and the median of the rounds' ratios reported.
//    With --before DIR (e.g. a worktree of main), that checkout's two crawls join each round, so that before and after
//    are compared side by side in one session, on one load.
//    --profile: one plain and one inline crawl of --root under `node --cpu-prof`, summarised (the main thread's
//    functions, and the extraction threads' busy time).
//    This crawl is the worst case for the stage: one host asked without any delay, so that both cores are busy
//    extracting, and whatever the stage adds to the CPU shows in the time.
// C. The same, as a researcher crawls (`polite`, not run by default): the pages spread over 30 loopback hosts
//    (127.0.0.1 to 127.0.0.30), each asked at the default pace (one request at a time, a second apart), 30 at once.
// Results are printed and written to bench/results/embed.json.

import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { splitParagraphs } from "../src/domain/paragraphs.js"
import { hashEmbedding } from "../src/services/embeddings/hash.js"
import { english, french } from "../test/fixtures/passages.js"
import { formatProfile, summarizeProfile } from "./cpuprofile.js"

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const argValue = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const quick = process.argv.includes("--quick")
const ROUNDS = Number(argValue("--rounds") ?? (quick ? 3 : 7))
const PAGES = Number(argValue("--pages") ?? (quick ? 300 : 600))
const LATENCY_MS = 20
const POLITE_HOSTS = 30
const root = path.resolve(argValue("--root") ?? here)
const before = argValue("--before") === undefined ? null : path.resolve(argValue("--before")!)
const only = new Set((argValue("--only") ?? "hash,crawl").split(","))

/** A page of prose: passages of both languages, reordered and numbered so that no two pages are the same. */
const page = (i: number) =>
  Array.from({ length: 12 }, (_, j) => {
    const pool = (i + j) % 2 === 0 ? english : french
    return `${pool[(i * 7 + j) % pool.length]} (${i}.${j})`
  }).map((p, j) => (j % 5 === 0 ? `## Section ${j}\n\n${p}` : p)).join("\n\n")

const hashBench = () => {
  const pages = Array.from({ length: quick ? 300 : 1500 }, (_, i) => page(i))
  let started = performance.now()
  const paragraphs = pages.flatMap((p) => splitParagraphs(p).map((q) => q.text))
  const splitMs = performance.now() - started
  started = performance.now()
  for (const text of paragraphs) hashEmbedding(text)
  const embedMs = performance.now() - started
  return {
    paragraphs: paragraphs.length,
    averageChars: Math.round(paragraphs.reduce((n, t) => n + t.length, 0) / paragraphs.length),
    paragraphsPerSecond: Math.round((paragraphs.length / embedMs) * 1000),
    splitPagesPerSecond: Math.round((pages.length / splitMs) * 1000)
  }
}

/**
 * The same page as HTML, inside an article with three links to other pages (the crawl finds the site as it goes);
 * `href`: where page j is (on this host, or on its own among several).
 */
const html = (i: number, n: number, href: (j: number) => string) => {
  const links = [(i + 1) % n, (i * 7 + 3) % n, (i * 7 + 6) % n]
  const blocks = page(i).split("\n\n").map((b) => (b.startsWith("## ") ? `<h2>${b.slice(3)}</h2>` : `<p>${b}</p>`))
  blocks.splice(2, 0, `<p>Sur le même sujet, lire aussi ${links.map((j) => `<a href="${href(j)}">la page ${j}</a>`).join(", ")}.</p>`)
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Climat ${i}</title></head><body>
<nav><a href="/">accueil</a></nav><main><article><h1>Climat ${i}</h1>
${blocks.join("\n")}
</article></main><footer><a href="/legal">mentions</a></footer></body></html>`
}

interface Site {
  readonly origin: string
  /** When the current crawl's first page was asked for (performance.now of this process). */
  firstRequest: number | null
  readonly close: () => Promise<void>
}

/** The site on `hosts` loopback addresses (127.0.0.1, .2…): page j on the host j modulo their number. */
const startSite = async (pages: number, hosts = 1): Promise<Site> => {
  const site: { firstRequest: number | null } = { firstRequest: null }
  let bodies: Array<string> = []
  const servers = Array.from({ length: hosts }, () => {
    const server = http.createServer((req, res) => {
      const m = /^\/p\/(\d+)$/.exec(req.url ?? "")
      const body = m === null ? undefined : bodies[Number(m[1])]
      if (body === undefined) return res.writeHead(404).end()
      site.firstRequest ??= performance.now()
      setTimeout(() => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body), LATENCY_MS)
    })
    server.keepAliveTimeout = 10_000
    return server
  })
  const origins = await Promise.all(servers.map((server, h) =>
    new Promise<string>((resolve) =>
      server.listen(0, `127.0.0.${h + 1}`, () => resolve(`http://127.0.0.${h + 1}:${(server.address() as AddressInfo).port}`))
    )
  ))
  bodies = Array.from({ length: pages }, (_, i) => html(i, pages, (j) => (hosts === 1 ? "" : origins[j % hosts]) + `/p/${j}`))
  return Object.assign(site, {
    origin: origins[0]!,
    close: () =>
      Promise.all(servers.map((server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
      )).then(() => undefined)
  })
}

/** CPU seconds of a process (all its threads) or one thread, from Linux's /proc (utime + stime); null once it is gone. */
const cpuOf = (stat: string) => {
  try {
    const text = fs.readFileSync(stat, "utf8")
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICKS
  } catch {
    return null
  }
}
const TICKS = 100

/** `started`: from when the command's CPU is counted (by default, all of it). */
const mwi = (
  checkout: string,
  dataDir: string,
  args: ReadonlyArray<string>,
  nodeArgs: ReadonlyArray<string> = [],
  started: () => boolean = () => true
) =>
  new Promise<{ out: string; exitedAt: number; cpu: { process: number; main: number } }>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(checkout, "bin", "mwi.js"), ...args], {
      env: { ...process.env, MWI_DATA_DIR: dataDir, MWI_ALLOW_PRIVATE_NETWORK: "1", NO_COLOR: "1", MWI_EMBED_PROVIDER: "hash" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    // The CPU the command used, its main thread's apart: sampled while it runs (the last 50 ms are missed).
    const cpu = { process: 0, main: 0 }
    let base: { process: number; main: number } | null = null
    const sample = setInterval(() => {
      const all = cpuOf(`/proc/${child.pid}/stat`)
      const main = cpuOf(`/proc/${child.pid}/task/${child.pid}/stat`)
      if (all === null || main === null) return
      const now = { process: all, main }
      if (base === null && started()) base = now
      if (base !== null) {
        cpu.process = now.process - base.process
        cpu.main = now.main - base.main
      }
    }, 50)
    child.stdout.on("data", (d) => (out += String(d)))
    child.stderr.on("data", (d) => (err += String(d)))
    child.once("exit", (code) => {
      const exitedAt = performance.now()
      clearInterval(sample)
      code === 0 ? resolve({ out, exitedAt, cpu }) : reject(new Error(`mwi ${args.join(" ")} failed (${code}): ${out}${err}`))
    })
  })

interface Crawl {
  /** From the site's first page request to the command's exit. */
  readonly ms: number
  /** The whole command. */
  readonly commandMs: number
  /** The crawl job's own duration (without the embed job's last pass). */
  readonly crawlJobMs: number
  /** CPU seconds of the command from the first page request: all threads, and its main thread alone (the crawl's loop, the database). */
  readonly cpu: { readonly process: number; readonly main: number }
  readonly fetched: number
  readonly vectors: number
}

/** A land with the site's first page, made once per checkout and copied for each crawl. */
const template = async (checkout: string, site: Site) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-embed-template-"))
  await mwi(checkout, dir, ["land", "create", "--name", "bench", "--terms", "climat"])
  await mwi(checkout, dir, ["land", "addurl", "--land", "bench", "--urls", `${site.origin}/p/0`])
  return dir
}

/** How a crawl asks the site: as fast as it answers (one host), or as a researcher's crawl does (many hosts). */
type Pace = "flood" | "polite"
const PACE_ARGS: Record<Pace, ReadonlyArray<string>> = {
  flood: ["--delay-ms", "0", "--concurrency", "10", "--per-host", "10"],
  polite: ["--concurrency", String(POLITE_HOSTS)]
}

const crawl = async (
  checkout: string,
  land: string,
  site: Site,
  embed: boolean,
  pace: Pace,
  nodeArgs: ReadonlyArray<string> = []
) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-embed-"))
  try {
    fs.cpSync(land, dir, { recursive: true })
    site.firstRequest = null
    const started = performance.now()
    const { out, exitedAt, cpu } = await mwi(checkout, dir, [
      "land", "crawl", "--name", "bench", "--minrel", "0", "--depth", "100", ...PACE_ARGS[pace], "--json",
      ...(embed ? ["--embed"] : [])
    ], nodeArgs, () => site.firstRequest !== null)
    const summary = JSON.parse(out.slice(out.indexOf("{"))) as { fetched: number; durationMs: number; embed?: { vectors: number } | null }
    return {
      ms: exitedAt - (site.firstRequest ?? started),
      commandMs: exitedAt - started,
      crawlJobMs: summary.durationMs,
      cpu,
      fetched: summary.fetched,
      vectors: summary.embed?.vectors ?? 0
    } satisfies Crawl
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits

interface Variant {
  readonly name: "after" | "before"
  readonly checkout: string
  readonly embed: boolean
}

const crawlBench = async (pace: Pace) => {
  const site = await startSite(PAGES, pace === "polite" ? POLITE_HOSTS : 1)
  try {
    const checkouts = [{ name: "after" as const, checkout: root }, ...(before === null ? [] : [{ name: "before" as const, checkout: before }])]
    const lands = new Map<string, string>()
    for (const c of checkouts) {
      lands.set(c.checkout, await template(c.checkout, site))
      // A first crawl builds the bundle if needed and warms the page cache.
      await crawl(c.checkout, lands.get(c.checkout)!, site, false, pace)
    }
    const variants: Array<Variant> = checkouts.flatMap((c) => [{ ...c, embed: false }, { ...c, embed: true }])
    const runs = new Map<Variant, Array<Crawl>>(variants.map((v) => [v, []]))
    for (let r = 0; r < ROUNDS; r++) {
      // Each round in the reverse order of the one before (ABBA…): a drift in the machine's speed weighs on all alike.
      const order = r % 2 === 0 ? variants : [...variants].reverse()
      for (const v of order) runs.get(v)!.push(await crawl(v.checkout, lands.get(v.checkout)!, site, v.embed, pace))
      process.stdout.write(`  round ${r + 1}/${ROUNDS}: ${order.map((v) => `${v.name}${v.embed ? "+embed" : ""} ${Math.round(runs.get(v)![r]!.ms)} ms (main thread ${runs.get(v)![r]!.cpu.main.toFixed(2)} s CPU)`).join(", ")}\n`)
    }
    const results = checkouts.map((c) => {
      const plain = runs.get(variants.find((v) => v.checkout === c.checkout && !v.embed)!)!
      const inline = runs.get(variants.find((v) => v.checkout === c.checkout && v.embed)!)!
      const ratios = plain.map((p, i) => inline[i]!.ms / p.ms)
      const commandRatios = plain.map((p, i) => inline[i]!.commandMs / p.commandMs)
      const mainCpuRatios = plain.map((p, i) => inline[i]!.cpu.main / p.cpu.main)
      const cpuRatios = plain.map((p, i) => inline[i]!.cpu.process / p.cpu.process)
      return {
        name: c.name,
        checkout: c.checkout,
        fetched: plain[0]!.fetched,
        vectors: inline[0]!.vectors,
        plainMs: Math.round(median(plain.map((p) => p.ms))),
        inlineMs: Math.round(median(inline.map((p) => p.ms))),
        ratio: round(median(ratios)),
        ratios: ratios.map((x) => round(x)),
        commandRatio: round(median(commandRatios)),
        plainCpu: { process: round(median(plain.map((p) => p.cpu.process)), 2), main: round(median(plain.map((p) => p.cpu.main)), 2) },
        inlineCpu: { process: round(median(inline.map((p) => p.cpu.process)), 2), main: round(median(inline.map((p) => p.cpu.main)), 2) },
        mainCpuRatio: round(median(mainCpuRatios)),
        cpuRatio: round(median(cpuRatios))
      }
    })
    // --profile: one plain and one inline crawl of --root under `node --cpu-prof`, summarised.
    const profiles: Record<string, string> = {}
    if (process.argv.includes("--profile") && pace === "flood") {
      for (const embed of [false, true]) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-embed-prof-"))
        await crawl(root, lands.get(root)!, site, embed, pace, ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "500"])
        // One profile per thread (CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile): the main thread's is thread 0, the
        // others are the extraction threads, whose busy time is listed too.
        const files = fs.readdirSync(dir).map((f) => path.join(dir, f)).filter((f) => f.endsWith(".cpuprofile"))
        const file = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f))!
        const threads = files.filter((f) => f !== file).map((f) => {
          const s = summarizeProfile(f)
          return `${Math.round(s.totalMs * (1 - s.idleShare / 100))} ms busy (GC ${Math.round((s.totalMs * s.gcShare) / 100)} ms)`
        })
        const name = embed ? "inline" : "plain"
        const kept = path.join(here, "bench", "results", `embed-${name}.cpuprofile`)
        fs.mkdirSync(path.dirname(kept), { recursive: true })
        fs.copyFileSync(file, kept)
        fs.rmSync(dir, { recursive: true, force: true })
        profiles[name] = `${formatProfile(summarizeProfile(kept), 20)}\n  extraction threads: ${threads.join(", ")}`
      }
    }
    for (const dir of lands.values()) fs.rmSync(dir, { recursive: true, force: true })
    return { pace, hosts: pace === "polite" ? POLITE_HOSTS : 1, pages: PAGES, latencyMs: LATENCY_MS, rounds: ROUNDS, results, profiles }
  } finally {
    await site.close()
  }
}

const load = () => round(os.loadavg()[0]!, 2)
const summary: Record<string, unknown> = { at: new Date().toISOString(), cpus: os.cpus().length, quick, loadAverageBefore: load() }
if (only.has("hash")) {
  const hash = hashBench()
  summary["hash"] = hash
  console.log(`hash provider: ${hash.paragraphsPerSecond} paragraphs/s (${hash.paragraphs} paragraphs of ${hash.averageChars} chars on average); splitter ${hash.splitPagesPerSecond} pages/s`)
}
for (const pace of (["flood", "polite"] as const).filter((p) => only.has(p === "flood" ? "crawl" : p))) {
  const inline = await crawlBench(pace)
  summary[pace === "flood" ? "inline" : "inlinePolite"] = { ...inline, loadAverageAfter: load() }
  for (const r of inline.results) {
    console.log(`${r.name} (${r.checkout}), ${pace === "flood" ? "one host, no delay" : `${POLITE_HOSTS} hosts, default pace`}: crawl of ${r.fetched} pages ${r.plainMs} ms, with --embed ${r.inlineMs} ms (${r.vectors} vectors): ` +
      `ratio ${r.ratio} (rounds: ${r.ratios.join(", ")}; whole command ${r.commandRatio}); ` +
      `CPU s main thread ${r.plainCpu.main} → ${r.inlineCpu.main} (ratio ${r.mainCpuRatio}), all threads ${r.plainCpu.process} → ${r.inlineCpu.process} (ratio ${r.cpuRatio})`)
  }
  for (const [name, profile] of Object.entries(inline.profiles)) console.log(`profile of a ${name} crawl (bench/results/embed-${name}.cpuprofile):\n${profile}`)
}
console.log(`load average ${summary["loadAverageBefore"]} → ${load()} on ${summary["cpus"]} CPUs`)
fs.mkdirSync(path.join(here, "bench", "results"), { recursive: true })
fs.writeFileSync(path.join(here, "bench", "results", "embed.json"), JSON.stringify(summary, null, 2) + "\n")
