import { expect, layer } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Page } from "playwright-core"
import sharp from "sharp"
import { Accounts } from "../src/services/Accounts.js"
import { apiServer, baseUrl } from "./support/api.js"
import { artefacts, browserTestsRun, buildConsole, chromiumPath, launchChromium, newContext } from "./support/browser.js"
import { pgliteDatabase } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { articlePage, generatedSite, sendHtml } from "./support/fixture-site.js"
import { scene } from "./support/images.js"

const PASSWORD = "a long enough password"
const PAGES = 6
// The pages of both sites, and a gallery page of site a with three pictures, two of them one picture in two formats.
const ALL = 2 * PAGES + 1

const started = Date.now()
const step = (name: string) => console.log(`console test: ${((Date.now() - started) / 1000).toFixed(1)} s: ${name}`)

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true })

/** Two animation frames: whatever the page drew on the first is on screen. */
const painted = (page: Page) =>
  page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))

/** The cells of one column of the pages table, as text. */
const column = (page: Page, index: number) => page.locator(`table.pages tbody tr td:nth-child(${index})`).allTextContents()

if (!browserTestsRun) {
  console.warn("console.test.ts skipped: no Chromium at /usr/bin/chromium nor in MWI_CHROMIUM (apt-get install chromium); under CI=true it runs")
}

layer(apiServer(pgliteDatabase), { timeout: "180 seconds", excludeTestServices: true })("web console", (it) => {
  it.scoped("GET / and its assets: content types, caching, nothing outside the console's folder", () =>
    Effect.gen(function*() {
      yield* buildConsole
      const base = yield* baseUrl
      const index = yield* Effect.promise(() => fetch(`${base}/`))
      expect(index.status).toBe(200)
      expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(index.headers.get("cache-control")).toBe("no-cache")
      const html = yield* Effect.promise(() => index.text())
      const assets = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]!)
      expect(assets.map((a) => path.extname(a)).sort()).toEqual([".css", ".js"])
      for (const asset of assets) {
        const res = yield* Effect.promise(() => fetch(`${base}/${asset}`))
        expect(res.status).toBe(200)
        expect(res.headers.get("content-type")).toMatch(asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/)
        expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
      }
      for (const probe of ["/assets/..%2F..%2Fpackage.json", "/assets/%2E%2E%2Findex.html", "/assets/.hidden", "/assets/nothing.js", "/assets/../../package.json"]) {
        const res = yield* Effect.promise(() => fetch(`${base}${probe}`))
        expect(res.status, probe).toBe(404)
      }
    }))

  it.scoped.runIf(browserTestsRun)("a study from sign-in to export: land, terms, seeds, crawl with live progress, pages, detail, graph, language", () =>
    Effect.gen(function*() {
      console.log(`Chromium: ${chromiumPath}`)
      // Chromium starts while the sites and their pictures are made.
      const launching = yield* Effect.fork(launchChromium)
      fs.mkdirSync(artefacts, { recursive: true })
      yield* buildConsole
      const base = yield* baseUrl
      yield* (yield* Accounts).createUser({ username: "researcher", password: PASSWORD, isAdmin: true })
      // Two sites linking each other: two domains in the graph.
      const a = yield* startFixtureServer()
      const b = yield* startFixtureServer({}, { host: "::1" })
      generatedSite(a, { pages: PAGES, latencyMs: 40, others: [b.origin] })
      generatedSite(b, { pages: PAGES, latencyMs: 40, others: [a.origin] })
      const pictures = {
        "/img/sea.png": yield* Effect.promise(() => scene(240, 160, 1).png().toBuffer()),
        "/img/sea.jpg": yield* Effect.promise(() => scene(240, 160, 1).jpeg({ quality: 80 }).toBuffer()),
        "/img/forest.png": yield* Effect.promise(() => scene(240, 160, 6).png().toBuffer())
      }
      for (const [file, bytes] of Object.entries(pictures)) {
        a.route(file, (_req, res) => {
          res.writeHead(200, { "content-type": file.endsWith(".png") ? "image/png" : "image/jpeg" })
          res.end(bytes)
        })
      }
      a.route("/gallery", (_req, res) => sendHtml(res, articlePage({ title: "Climat en images", topic: "le climat", images: Object.keys(pictures) })))
      const browser = yield* Fiber.join(launching)
      const context = yield* newContext(browser)
      const page = yield* Effect.promise(() => context.newPage())
      const errors: Array<string> = []
      page.on("pageerror", (e) => errors.push(e.message))

      yield* Effect.promise(async () => {
        // Sign in.
        step("Sign in.")
        await page.goto(`${base}/`)
        await page.fill("input[name=username]", "researcher")
        await page.fill("input[name=password]", "wrong password")
        await page.click("button[type=submit]")
        await expect(page.locator("p.error").textContent()).resolves.toContain("Wrong username or password")
        await shot(page, "01-sign-in")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.waitForSelector("h1:has-text('Lands')")

        // A land with terms, then seeds: the invalid one is refused with its reason and left in the box.
        step("A land with terms, then seeds: the inval")
        await page.click("text=New land")
        await page.fill("input[name=name]", "Climat")
        await page.fill("textarea[name=description]", "Le climat sur deux sites")
        await page.fill("input[name=terms]", "climat, réchauffement")
        await page.click("button:has-text('Create the land')")
        await page.waitForSelector(".chips li:has-text('réchauffement')")
        await page.fill("textarea[name=seeds]", `${a.url("/p/0")}\n${a.url("/gallery")}\nnot a url`)
        await page.click("button:has-text('Add the URLs (3)')")
        await page.waitForSelector("text=2 added, 0 already in the land, 1 refused.")
        expect(await page.locator("ul.invalid li").textContent()).toContain("not a url")
        expect(await page.inputValue("textarea[name=seeds]")).toBe("not a url")
        await shot(page, "02-land")

        // A crawl started from the form, watched over the WebSocket until its bar is full.
        step("A crawl started from the form, watched o")
        await page.click("nav.tabs a:has-text('Jobs')")
        await page.fill("input[name=depth]", "10")
        await page.fill("input[name=delayMs]", "0")
        await page.fill("input[name=concurrency]", "2")
        await page.fill("input[name=minrel]", "0")
        await page.click("button:has-text('Start the crawl job')")
        const bar = page.locator(".progress [role=progressbar]").first()
        await bar.waitFor({ timeout: 30_000 })
        const seen: Array<number> = []
        for (let i = 0; i < 600 && seen.at(-1) !== 100; i++) {
          seen.push(Number(await bar.getAttribute("aria-valuenow")))
          if (i === 3) await shot(page, "03-crawl-running")
          await page.waitForTimeout(100)
        }
        expect(seen.at(-1)).toBe(100)
        await page.waitForSelector(".progress[data-status=completed]")
        expect(await page.locator(".progress [data-counter=fetched] strong").textContent()).toBe(String(ALL))
        await page.waitForSelector("table.data td:has-text('completed')")
        await page.waitForSelector("ul.recent li")
        await shot(page, "04-crawl-done")

        // The embed stage from the same form, then a search over the paragraphs it embedded (offline hash model).
        step("An embed job, then a search")
        await page.selectOption("select[name=kind]", "embed")
        await page.click("button:has-text('Start the embed job')")
        await page.waitForSelector(".progress[data-status=completed]:has(strong:has-text('embed'))", { timeout: 60_000 })
        await page.click("nav.tabs a:has-text('Search')")
        await page.fill("input[name=q]", "le climat")
        await page.click("button:has-text('Search')")
        await page.waitForSelector("ol.hits li a")
        expect(await page.locator("ol.hits li p").first().textContent()).toContain("climat")
        await shot(page, "04b-search")

        // The pages table: sorted by depth both ways, then filtered.
        step("The pages table: sorted by depth both wa")
        await page.click("nav.tabs a:has-text('Pages')")
        await page.waitForSelector("table.pages tbody tr")
        expect(await page.locator("table.pages tbody tr").count()).toBe(ALL)
        await page.click("table.pages th button:has-text('Depth')")
        await page.waitForURL(/sort=depth&order=desc/)
        await page.waitForFunction(() => document.querySelector("table.pages tbody tr td:nth-child(3)")?.textContent !== "0")
        const desc = (await column(page, 3)).map(Number)
        expect(desc).toEqual([...desc].sort((x, y) => y - x))
        await page.click("table.pages th button:has-text('Depth')")
        await page.waitForURL(/order=asc/)
        await page.waitForFunction(() => document.querySelector("table.pages tbody tr td:nth-child(3)")?.textContent === "0")
        const asc = (await column(page, 3)).map(Number)
        expect(asc).toEqual([...asc].sort((x, y) => x - y))
        await page.fill("input[name=depth]", "0")
        await page.click("button:has-text('Filter')")
        await page.waitForURL(/depth=0/)
        await page.waitForFunction(() => document.querySelectorAll("table.pages tbody tr").length === 2)
        expect(await column(page, 3)).toEqual(["0", "0"])
        await page.fill("input[name=q]", "gallery")
        await page.click("button:has-text('Filter')")
        await page.waitForURL(/q=gallery/)
        await page.waitForFunction(() => document.querySelectorAll("table.pages tbody tr").length === 1)
        expect(await page.locator("table.pages tbody tr td a").textContent()).toBe("Climat en images")
        await page.click("a:has-text('Reset')")
        await page.waitForFunction(() => !location.hash.includes("q=") && (document.querySelector("input[name=q]") as HTMLInputElement | null)?.value === "")
        await page.fill("input[name=depth]", "0")
        await page.fill("input[name=q]", "p/0")
        await page.click("button:has-text('Filter')")
        await page.waitForFunction(() => document.querySelectorAll("table.pages tbody tr").length === 1)
        await shot(page, "05-pages")

        // A page's detail, from the table.
        step("A page's detail, from the table.")
        await page.click("table.pages tbody tr td a")
        await page.waitForSelector("article.detail h2:has-text('Climat page 0')")
        expect(await page.locator("dl.meta").textContent()).toContain(a.url("/p/0"))
        expect(await page.locator("article.detail ul.links").first().locator("li").count()).toBeGreaterThan(1)
        await shot(page, "06-page-detail")

        // Domains, and a domain's pages through the click-through.
        step("Domains, and a domain's pages through th")
        await page.click("nav.tabs a:has-text('Domains')")
        await page.waitForSelector("table.data tbody tr")
        expect(await page.locator("table.data tbody tr").count()).toBe(2)
        const host = (await page.locator("table.data tbody tr td a").first().textContent())!
        await page.locator("table.data tbody tr td a").first().click()
        await page.waitForURL(/domain=/)
        await page.waitForFunction(() => document.querySelectorAll("table.pages tbody tr").length > 0)
        expect(new Set(await column(page, 2))).toEqual(new Set([host]))
        expect(await page.locator("table.pages tbody tr").count()).toBeLessThan(ALL)

        // The domain graph, drawn: its canvas is not blank.
        step("The domain graph, drawn: its canvas is n")
        await page.click("nav.tabs a:has-text('Graph')")
        await page.waitForSelector(".graph[data-nodes='2'] canvas")
        await painted(page)
        const graph = await page.locator(".graph").screenshot({ path: path.join(artefacts, "07-graph.png") })
        const { channels } = await sharp(graph).stats()
        expect(channels.some((c) => c.max - c.min > 60)).toBe(true)
        await shot(page, "07-graph-page")
        await page.selectOption("select[name=level]", "pages")
        await page.waitForSelector(`.graph[data-nodes='${ALL}'] canvas`)
        await painted(page)
        await shot(page, "07-graph-pages")

        // An export, downloaded as a file.
        step("An export, downloaded as a file.")
        await page.click("nav.tabs a:has-text('Export')")
        await page.selectOption("select[name=type]", "pagecsv")
        await page.fill("input[name=minrel]", "0")
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("a:has-text('Download')")])
        expect(download.suggestedFilename()).toMatch(/\.csv$/)
        const csv = fs.readFileSync(await download.path(), "utf8").trim().split("\n")
        expect(csv[0]).toContain("url")
        expect(csv.length).toBe(ALL + 1)

        // A media job, then the gallery: sizes, colours, and the picture saved twice found as one group.
        step("A media job, then the gallery: sizes, co")
        await page.click("nav.tabs a:has-text('Jobs')")
        await page.selectOption("select[name=kind]", "media")
        await page.fill("input[name=delayMs]", "0")
        await page.click("button:has-text('Start the media job')")
        await page.waitForSelector(".progress[data-status=completed] >> text=media #", { timeout: 60_000 })
        await page.click("nav.tabs a:has-text('Media')")
        await page.waitForSelector("figure .swatches")
        expect(await page.locator(".gallery figure").count()).toBe(3)
        expect(await page.locator(".gallery figure:has-text('240 × 160')").count()).toBe(3)
        expect(await page.locator(".gallery .badge:has-text('look-alike group 1')").count()).toBe(2)
        await shot(page, "09-media")

        // A refused form keeps what was typed: a second land of the same name.
        step("A refused form keeps what was typed: a s")
        await page.click("header a:has-text('Lands')")
        await page.click("text=New land")
        await page.fill("input[name=name]", "Climat")
        await page.fill("textarea[name=description]", "encore")
        await page.click("button:has-text('Create the land')")
        await page.waitForSelector("p.error:has-text('A land named “Climat” already exists.')")
        expect(await page.inputValue("textarea[name=description]")).toBe("encore")
        await page.click("button:has-text('Cancel')")
        await page.click("table.data a:has-text('Climat')")

        // French, kept across a reload.
        step("French, kept across a reload.")
        await page.selectOption("header select", "fr")
        await page.waitForSelector("nav.tabs a:has-text('Tâches')")
        await page.reload()
        await page.waitForSelector("nav.tabs a:has-text('Graphe')")
        await page.click("nav.tabs a:has-text('Tâches')")
        await page.waitForSelector("td:has-text('terminée')")
        await shot(page, "08-jobs-fr")

        // The administrator creates an account.
        step("The administrator creates an account.")
        await page.click("header a:has-text('Comptes')")
        await page.fill("input[name=newUsername]", "colleague")
        await page.fill("input[name=newPassword]", PASSWORD)
        await page.click("button:has-text('Créer le compte')")
        await page.waitForSelector("td:has-text('colleague')")

        // Signed out, back to the sign-in form.
        step("Signed out, back to the sign-in form.")
        await page.click("button:has-text('Se déconnecter')")
        await page.waitForSelector("input[name=password]")
      }).pipe(Effect.tapErrorCause(() => Effect.promise(() => shot(page, "failure"))))
      expect(errors).toEqual([])

      // A browser set to French gets the console in French from the start.
      const french = yield* newContext(browser, "fr-FR")
      const welcome = yield* Effect.promise(() => french.newPage())
      yield* Effect.promise(() => welcome.goto(`${base}/`).then(() => welcome.waitForSelector("h1:has-text('Connexion')")))
    }), 150_000)
})
