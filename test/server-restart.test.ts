import { Reactivity } from "@effect/experimental"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { copyMigratedDataDir } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"

const bin = path.resolve(import.meta.dirname, "../bin/mwi.js")
const scope = Effect.runSync(Scope.make())
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-restart-"))
const children: Array<ChildProcess> = []
afterAll(() => {
  for (const c of children) c.kill("SIGKILL")
  fs.rmSync(tmp, { recursive: true, force: true })
})

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

/** `mwi serve` in a child process; resolves once it listens. */
const serve = (env: Record<string, string>, port: number) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "serve", "--port", String(port)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    children.push(child)
    let out = ""
    child.stdout!.on("data", (d) => {
      out += String(d)
      if (out.includes("listening on")) resolve(child)
    })
    child.stderr!.on("data", (d) => (out += String(d)))
    child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${out}`)))
  })

const api = async (port: number, method: string, p: string, token: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: res.status, body: await res.json() as any }
}

const until = async (f: () => Promise<boolean>, ms = 120_000) => {
  const end = Date.now() + ms
  while (!(await f())) {
    if (Date.now() > end) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("a server restart with a running job", () => {
  it("marks the job interrupted, and resume finishes it from the database frontier", async () => {
    const site = await Effect.runPromise(Scope.extend(startFixtureServer(), scope).pipe(Effect.provide(Reactivity.layer)))
    // One request at a time, 100 ms each until the kill, so that it lands mid-crawl; the resumed crawl needs no wait.
    let latencyMs = 100
    generatedSite(site, { pages: 40, latencyMs: () => latencyMs })
    const token = "mwi-test-admin-token-0123456789"
    const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "", MWI_ADMIN_TOKEN: token, MWI_ALLOW_PRIVATE_NETWORK: "1" }
    const port = await freePort()
    const first = await serve(env, port)
    const land = await api(port, "POST", "/lands", token, { name: "restart", terms: "climat" })
    expect(land.status).toBe(201)
    await api(port, "POST", `/lands/${land.body.id}/urls`, token, { urls: [site.url("/p/0")] })
    const { body: { jobId } } = await api(port, "POST", `/lands/${land.body.id}/crawl`, token, { depth: 100, delayMs: 0, concurrency: 1 })
    await until(async () => site.requests.filter((r) => r.path.startsWith("/p/")).length >= 8)
    first.kill("SIGKILL")
    await new Promise((r) => first.once("exit", r))
    latencyMs = 0

    const second = await serve(env, port)
    const job = await api(port, "GET", `/jobs/${jobId}`, token)
    expect(job.body.status).toBe("interrupted")
    const resumed = await api(port, "POST", `/jobs/${jobId}/resume`, token)
    expect(resumed).toEqual({ status: 202, body: { jobId } })
    await until(async () => (await api(port, "GET", `/jobs/${jobId}`, token)).body.status === "completed")
    const stats = await api(port, "GET", `/lands/${land.body.id}/stats`, token)
    expect(stats.body.byState).toEqual({ fetched: 40 })
    expect(stats.body.expressions).toBe(40)
    second.kill("SIGTERM")
    await new Promise((r) => second.once("exit", r))
  }, 300_000)
})
