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
