import type { ServerResponse } from "node:http"

const sentence = (topic: string, i: number) =>
  `Paragraph ${i} discusses ${topic} at length, with enough ordinary words around it so that a reader, and an ` +
  `extractor looking for the main content of the page, both see a real article rather than a menu or a footer.`

/**
 * An HTML page the way a news or blog site writes one: navigation and footer links around an article whose links
 * are the ones a content crawl follows.
 */
export const articlePage = (opts: {
  readonly title: string
  readonly topic: string
  readonly links?: ReadonlyArray<readonly [href: string, text: string]>
  readonly navLinks?: ReadonlyArray<string>
  readonly images?: ReadonlyArray<string>
  readonly lang?: string
}) => `<!doctype html>
<html lang="${opts.lang ?? "fr"}"><head><meta charset="utf-8"><title>${opts.title}</title>
<meta name="description" content="About ${opts.topic}"></head>
<body>
<nav>${(opts.navLinks ?? []).map((h) => `<a href="${h}">menu ${h}</a>`).join(" ")}</nav>
<main><article>
<h1>${opts.title}</h1>
${[1, 2, 3, 4].map((i) => `<p>${sentence(opts.topic, i)}</p>`).join("\n")}
<p>Further reading: ${(opts.links ?? []).map(([h, t]) => `<a href="${h}">${t}</a>`).join(", ")}.</p>
${(opts.images ?? []).map((src) => `<p><img src="${src}" alt="figure ${src}"></p>`).join("\n")}
<p>${sentence(opts.topic, 5)}</p>
</article></main>
<footer><a href="/legal">legal notice</a></footer>
</body></html>`

export const sendHtml = (res: ServerResponse, html: string, status = 200) => {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" })
  res.end(html)
}

/**
 * Registers a deterministic site of `pages` article pages (`/p/0` … ) on a fixture server: page i links to a few
 * pages of its own site and, when given, to the same path on the other sites, so a crawl discovers it all from `/p/0`.
 * Answers after `latencyMs`, like a real server: a function is read at each request, so that a test can keep a crawl
 * in flight until it has done what it needs mid-crawl (kill, cancel), then let the rest of the crawl go fast.
 * Returns each page's links, so tests can compute the expected graph.
 */
export const generatedSite = (
  server: { readonly route: (path: string, handler: (req: unknown, res: ServerResponse) => void) => void },
  opts: {
    readonly pages: number
    readonly linksPerPage?: number
    readonly latencyMs?: number | (() => number)
    readonly others?: ReadonlyArray<string>
  }
) => {
  const n = opts.pages
  const k = opts.linksPerPage ?? 3
  const latency = opts.latencyMs ?? 0
  const linksOf = new Map<string, ReadonlyArray<string>>()
  for (let i = 0; i < n; i++) {
    const links: Array<readonly [string, string]> = [[`/p/${(i + 1) % n}`, `next ${(i + 1) % n}`]]
    for (let j = 1; j < k; j++) links.push([`/p/${(i * 7 + j * 3) % n}`, `page ${(i * 7 + j * 3) % n}`])
    for (const other of opts.others ?? []) links.push([`${other}/p/${(i + 1) % n}`, `other site ${i}`])
    linksOf.set(`/p/${i}`, links.map(([href]) => href))
    const html = articlePage({ title: `Climat page ${i}`, topic: "le climat", links })
    server.route(`/p/${i}`, (_req, res) => {
      setTimeout(() => sendHtml(res, html), typeof latency === "number" ? latency : latency())
    })
  }
  return linksOf
}
