// API benchmark: requests per second on GET /api/v1/lands/{id}/expressions (page of 50) with 10,000 stored
// expressions, from a load generator in this process against `mwi serve` in a child process (its own event loop);
// then 1,000 WebSocket clients on one crawl job, each waiting for the final event, with the server's RSS.
// Run: npx tsx bench/api.ts [--quick]
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import WebSocket from "ws"

const quick = process.argv.includes("--quick")
const EXPRESSIONS = 10_000
const CLIENTS = quick ? 200 : 1000
const LOAD_SECONDS = quick ? 5 : 15
const CONNECTIONS = 16

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024

const main = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-api-"))
  const port = await freePort()
  const token = "mwi-bench-admin-token-0123456789"
  const server = spawn(process.execPath, [path.resolve(import.meta.dirname, "../bin/mwi.js"), "serve", "--port", String(port)], {
    env: { ...process.env, MWI_DATA_DIR: dir, MWI_DATABASE_URL: "", MWI_ADMIN_TOKEN: token, MWI_ALLOW_PRIVATE_NETWORK: "1" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  await new Promise<void>((resolve) => server.stdout!.on("data", (d) => String(d).includes("listening on") && resolve()))
  const base = `http://127.0.0.1:${port}/api/v1`
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const request = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body)
      const req = http.request(`${base}${p}`, {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(data ? { "content-type": "application/json" } : {}) }
      }, (res) => {
        let text = ""
        res.on("data", (c) => (text += c))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }))
      })
      req.on("error", reject)
      req.end(data)
    })
  try {
    const land = await request("POST", "/lands", { name: "bench", terms: ["climat"] })
    const urls = Array.from({ length: EXPRESSIONS }, (_, i) => `https://host${i % 100}.example/page/${i}`)
    await request("POST", `/lands/${land.body.id}/urls`, { urls })

    // requests per second, CONNECTIONS requests in flight, keep-alive
    const until = Date.now() + LOAD_SECONDS * 1000
    let done = 0
    let failed = 0
    const latencies: Array<number> = []
    await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
      let i = c
      while (Date.now() < until) {
        const t = performance.now()
        const r = await request("GET", `/lands/${land.body.id}/expressions?limit=50&offset=${(i++ * 50) % EXPRESSIONS}`)
        latencies.push(performance.now() - t)
        if (r.status === 200 && r.body.items.length === 50) done++
        else failed++
      }
    }))
    latencies.sort((a, b) => a - b)
    const rps = done / LOAD_SECONDS
    const p = (q: number) => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(1)

    // WebSocket clients on one job: a slow loopback site keeps the crawl running while they connect
    const site = http.createServer((req, res) => {
      const n = Number(req.url?.split("/").pop() ?? 0)
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/html" })
        res.end(`<html><head><title>Climat ${n}</title></head><body><article><p>${"Le climat change. ".repeat(60)}</p>` +
          `<p><a href="/p/${n + 1}">suite</a></p></article></body></html>`)
      }, 100)
    })
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()))
    const sitePort = (site.address() as net.AddressInfo).port
    const wsLand = await request("POST", "/lands", { name: "ws", terms: ["climat"] })
    await request("POST", `/lands/${wsLand.body.id}/urls`, { urls: [`http://127.0.0.1:${sitePort}/p/0`] })
    const job = await request("POST", `/lands/${wsLand.body.id}/crawl`, { depth: 60, limit: 60, delayMs: 0, concurrency: 1 })
    const rssBefore = rssOf(server.pid!)
    let peakRss = rssBefore
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(server.pid!))), 100)
    const connectStart = performance.now()
    const finals = await Promise.all(Array.from({ length: CLIENTS }, () =>
      new Promise<boolean>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/jobs/${job.body.jobId}/events?token=${token}`)
        const timer = setTimeout(() => { socket.terminate(); resolve(false) }, 120_000)
        socket.on("message", (m) => {
          if (JSON.parse(String(m)).type === "final") {
            clearTimeout(timer)
            socket.close()
            resolve(true)
          }
        })
        socket.on("error", () => { clearTimeout(timer); resolve(false) })
      })))
    clearInterval(sampler)
    const received = finals.filter(Boolean).length
    site.close()
    const report = {
      expressionsListing: { expressions: EXPRESSIONS, connections: CONNECTIONS, seconds: LOAD_SECONDS, requestsPerSecond: Math.round(rps), failed, p50ms: Number(p(0.5)), p99ms: Number(p(0.99)) },
      websocket: { clients: CLIENTS, receivedFinal: received, seconds: Math.round((performance.now() - connectStart) / 100) / 10, serverRssMiB: { before: Math.round(rssBefore), peak: Math.round(peakRss) } }
    }
    console.log(`GET /lands/{id}/expressions (page of 50, ${EXPRESSIONS} expressions, ${CONNECTIONS} connections): ${report.expressionsListing.requestsPerSecond} req/s, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, ${failed} failed`)
    console.log(`WebSocket: ${received} of ${CLIENTS} clients received the final event; server RSS ${report.websocket.serverRssMiB.before} → peak ${report.websocket.serverRssMiB.peak} MiB`)
    fs.mkdirSync(path.resolve(import.meta.dirname, "results"), { recursive: true })
    fs.writeFileSync(path.resolve(import.meta.dirname, "results/api.json"), JSON.stringify(report, null, 2))
  } finally {
    agent.destroy()
    server.kill("SIGTERM")
    await new Promise((r) => server.once("exit", r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
