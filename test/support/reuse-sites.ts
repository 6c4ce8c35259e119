import { Effect } from "effect"
import { edited, english, french } from "../fixtures/passages.js"
import { startFixtureServer } from "./fixture-server.js"
import { sendHtml } from "./fixture-site.js"

const page = (title: string, paragraphs: ReadonlyArray<string>, links: ReadonlyArray<string> = []) =>
  (_req: unknown, res: Parameters<typeof sendHtml>[0]) =>
    sendHtml(res, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<main><article><h1>${title}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join("\n")}
${links.length === 0 ? "" : `<p>Further reading: ${links.map((h, i) => `<a href="${h}">link number ${i}</a>`).join(", ")}.</p>`}
</article></main></body></html>`)

/**
 * Three loopback sites (three domains) whose pages reuse passages of test/fixtures/passages.ts: `/reuse` on site a
 * holds English passage 0 and French passage 1; site b's `/copy` repeats English 0 word for word; site c's `/edit`
 * holds French 1 lightly edited; the other paragraphs are on unrelated subjects. From `a.url("/")` a crawl finds all.
 */
export const reuseSites = Effect.gen(function*() {
  const a = yield* startFixtureServer()
  const b = yield* startFixtureServer()
  const c = yield* startFixtureServer()
  a.route("/", page("Home", [english[4]!], ["/reuse", b.url("/copy"), c.url("/edit"), c.url("/unrelated")]))
  a.route("/reuse", page("Tram and seals", [english[0]!, french[1]!]))
  b.route("/copy", page("Tram copy", [english[3]!, english[0]!, french[4]!]))
  c.route("/edit", page("Phoques", [edited(french[1]!), english[5]!]))
  c.route("/unrelated", page("Compilateur", [french[2]!, french[3]!]))
  return {
    seed: a.url("/"),
    reuse: a.url("/reuse"),
    copy: b.url("/copy"),
    edit: c.url("/edit"),
    unrelated: c.url("/unrelated"),
    home: a.url("/")
  }
})
