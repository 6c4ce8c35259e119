// Synthetic article pages for the benchmark site. Deterministic (a page's HTML depends only on its site, host and
// index), so every run, and every measurement of one run, crawls the same bytes.

/** The shape of a synthetic site: `pagesPerHost[h]` articles on host h, page 0 of each host being its home page. */
export interface SiteShape {
  readonly pagesPerHost: ReadonlyArray<number>
  /** Smallest and largest page, in bytes; each page picks its size in between. */
  readonly minBytes: number
  readonly maxBytes: number
  /**
   * Plain pages: the article with a short menu and footer, without inline CSS and JS, sidebar, comments and related
   * cards (for crawls whose subject is not the cost of a page but how cost grows with their size).
   */
  readonly compact?: boolean
}

/** The word every article repeats, so that a land whose dictionary holds it finds every page relevant. */
export const TOPIC_TERM = "climat"

const ARTICLE_SHARE = 0.35
const ARTICLE_MIN_BYTES = 4_000

/** mulberry32: tiny, fast, good enough to make pages differ. */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  "le la les un une des du de et en dans pour sur avec par mais ou donc ainsi alors comme selon entre depuis " +
  "climat réchauffement température océan glacier forêt sécheresse pluie saison région village ville pays monde " +
  "chercheurs scientifiques rapport étude données mesures modèle scénario émissions carbone énergie transition " +
  "agriculture récolte eau rivière montagne littoral tempête canicule hiver été printemps automne population " +
  "gouvernement politique accord conférence objectif engagement budget investissement industrie transport " +
  "observe montre indique souligne rappelle estime prévoit annonce constate explique décrit mesure compare " +
  "important nouveau grand petit récent ancien fort faible rapide lent durable local mondial européen national " +
  "aujourd'hui hier demain désormais encore toujours souvent parfois rarement déjà bientôt longtemps"
).split(" ")

const sentence = (rand: () => number): string => {
  const n = 8 + Math.floor(rand() * 14)
  const words: Array<string> = []
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!)
  if (rand() < 0.35) words.splice(Math.floor(rand() * words.length), 0, TOPIC_TERM)
  const text = words.join(" ")
  return text.charAt(0).toUpperCase() + text.slice(1) + "."
}

const paragraph = (rand: () => number): string => {
  const n = 3 + Math.floor(rand() * 4)
  const out: Array<string> = []
  for (let i = 0; i < n; i++) out.push(sentence(rand))
  return out.join(" ")
}

export const pagePath = (index: number): string => (index === 0 ? "/" : `/articles/${index}/climat-et-territoires-${index}`)

/** The index of the article a path names, or undefined for any other path. */
export const pageIndexOf = (path: string): number | undefined => {
  if (path === "/" || path === "") return 0
  const m = /^\/articles\/(\d+)\//.exec(path)
  return m === null ? undefined : Number(m[1])
}

/**
 * The in-article links of page (host, index): a 3-ary tree over the host's pages (so a crawl from the home page
 * reaches every page within log3(pages) levels), a link back, and two links to other hosts.
 */
export const articleLinks = (shape: SiteShape, host: number, index: number): Array<{ host: number; index: number }> => {
  const hosts = shape.pagesPerHost.length
  const n = shape.pagesPerHost[host]!
  const out: Array<{ host: number; index: number }> = []
  for (let k = 1; k <= 3; k++) {
    const child = index * 3 + k
    if (child < n) out.push({ host, index: child })
  }
  if (index > 0) out.push({ host, index: Math.floor((index - 1) / 3) })
  if (hosts > 1) {
    const a = (host + 1) % hosts
    const b = (host + 1 + (index % (hosts - 1))) % hosts
    out.push({ host: a, index: (index + 1) % shape.pagesPerHost[a]! })
    out.push({ host: b, index: (index * 7 + 3) % shape.pagesPerHost[b]! })
  }
  return out
}

// A site's usual inline CSS and JS: bytes a real page carries that the extractor has to skip.
const STYLE = Array.from({ length: 40 }, (_, i) =>
  `.c${i}{margin:${i % 7}px ${i % 5}px;padding:${i % 3}em;color:#${(i * 123457).toString(16).slice(0, 6).padEnd(6, "0")};` +
  `font:${12 + (i % 6)}px/1.${i % 9} system-ui,sans-serif}`).join("\n")
const SCRIPT = `window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag("js",new Date());` +
  Array.from({ length: 40 }, (_, i) => `var cfg${i}={id:"w${i}",slot:${i},lazy:${i % 2 === 0},sizes:[[300,250],[728,90]]};`).join("")

const navigation = (origin: (h: number) => string, host: number, hosts: number) => {
  const sections = ["Actualités", "Environnement", "Sciences", "Politique", "Économie", "Territoires", "Opinions", "Vidéos"]
  return `<header class="site-header"><div class="logo"><a href="/">Le Journal ${host}</a></div>
<form class="search" action="/recherche"><input name="q" type="search" placeholder="Rechercher"><button>OK</button></form>
<nav class="main-nav"><ul>${sections.map((s, i) =>
    `<li class="menu-item"><a href="/rubrique/${i}">${s}</a><ul class="sub-menu">${
      [1, 2, 3, 4, 5, 6].map((j) => `<li><a href="/rubrique/${i}/${j}">${s} ${j}</a></li>`).join("")
    }</ul></li>`).join("")}</ul></nav>
<div class="partners">${[1, 2, 3].map((k) => `<a href="${origin((host + k) % hosts)}/">Partenaire ${k}</a>`).join(" | ")}</div>
</header>`
}

const aside = (rand: () => number) =>
  `<aside class="sidebar"><section class="widget popular"><h3>Les plus lus</h3><ol>${
    Array.from({ length: 10 }, (_, i) => `<li><a href="/populaire/${Math.floor(rand() * 1000)}">${sentence(rand)}</a></li>`).join("")
  }</ol></section><section class="widget newsletter"><h3>Newsletter</h3><form action="/newsletter"><input type="email" name="email">` +
  `<button>S'inscrire</button></form></section><div class="ad" data-slot="sidebar"></div></aside>`

const footer = () =>
  `<footer class="site-footer">${[0, 1, 2, 3].map((c) =>
    `<div class="col col-${c}"><h4>Rubrique ${c}</h4><ul>${
      [1, 2, 3, 4, 5, 6, 7].map((i) => `<li><a href="/info/${c}/${i}">Lien utile ${c}.${i}</a></li>`).join("")
    }</ul></div>`).join("")}<p class="legal"><a href="/mentions-legales">Mentions légales</a> · ` +
  `<a href="/cookies">Cookies</a> · © Le Journal</p></footer>`

const comments = (rand: () => number) =>
  `<section class="comments"><h3>Commentaires</h3>${
    Array.from({ length: 3 + Math.floor(rand() * 5) }, (_, i) =>
      `<div class="comment" id="c${i}"><div class="author"><img src="/avatars/${i}.png" alt=""> Lecteur ${i}</div>` +
      `<div class="comment-body"><p>${sentence(rand)} ${sentence(rand)}</p></div><a class="reply" href="#c${i}">Répondre</a></div>`).join("")
  }</section>`

const SHORT_NAV = `<nav><a href="/">Accueil</a> · <a href="/rubrique/1">Environnement</a> · <a href="/rubrique/2">Sciences</a></nav>`
const SHORT_FOOTER = `<footer><a href="/mentions-legales">Mentions légales</a> · © Le Journal</footer>`

/**
 * One article page as a news site serves it: inline CSS and JS, header navigation with menus, a sidebar, comments
 * and a footer around an `<article>` whose paragraphs carry the links a content crawl follows. Between
 * `minBytes` and `maxBytes` long.
 */
export const renderPage = (shape: SiteShape, origin: (host: number) => string, host: number, index: number): string => {
  const rand = prng(host * 1_000_003 + index * 7919 + 17)
  const compact = shape.compact === true
  const target = shape.minBytes + Math.floor(rand() * (shape.maxBytes - shape.minBytes))
  const title = `${index === 0 ? "Accueil" : "Article " + index} — le ${TOPIC_TERM} vu du site ${host}`
  const links = articleLinks(shape, host, index).map((l, i) =>
    `<a href="${l.host === host ? "" : origin(l.host)}${pagePath(l.index)}">lire aussi ${i + 1} : ${TOPIC_TERM} ${l.index}</a>`)
  const head = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${title}</title>
<meta name="description" content="Un article sur le ${TOPIC_TERM}, numéro ${index} du site ${host}.">
<meta name="keywords" content="${TOPIC_TERM}, environnement, territoires">
<meta property="og:title" content="${title}"><meta property="article:published_time" content="2024-0${1 + (index % 9)}-1${index % 10}T08:00:00Z">
<link rel="canonical" href="${origin(host)}${pagePath(index)}">
${compact ? "" : `<style>${STYLE}</style><script>${SCRIPT}</script>`}</head>
<body class="article-page">`
  const before = `${compact ? SHORT_NAV : navigation(origin, host, shape.pagesPerHost.length)}
<div class="layout"><main class="content"><article class="post">
<header class="entry-header"><h1>${title}</h1><p class="byline">Par la rédaction · <time datetime="2024-01-01">1er janvier 2024</time></p></header>
<div class="entry-content">`
  const after = compact
    ? `</div></article></main></div>${SHORT_FOOTER}</body></html>`
    : `</div></article>${comments(rand)}</main>${aside(rand)}</div>${footer()}
<script>${SCRIPT.slice(0, 600)}</script></body></html>`
  // About a third of the bytes are the article's text, as on a real news page; the rest is markup around it.
  const articleTarget = compact
    ? target - head.length - before.length - after.length
    : Math.max(ARTICLE_MIN_BYTES, Math.round(target * ARTICLE_SHARE))
  const parts: Array<string> = []
  let articleBytes = 0
  let p = 0
  // One link per paragraph from the first one, so that every page has all its links whatever its size.
  while (articleBytes < articleTarget || p < links.length) {
    const link = links[p]
    const figure = p % 6 === 5 ? `<figure><img src="/images/${host}-${index}-${p}.jpg" alt="Illustration ${p}"><figcaption>${sentence(rand)}</figcaption></figure>` : ""
    const subtitle = p % 5 === 4 ? `<h2>${sentence(rand)}</h2>` : ""
    const chunk = `${subtitle}<p>${paragraph(rand)}${link === undefined ? "" : ` ${link}.`}</p>${figure}\n`
    parts.push(chunk)
    articleBytes += chunk.length
    p++
  }
  const cards: Array<string> = []
  let size = head.length + before.length + articleBytes + after.length
  while (size < target) {
    const card = `<div class="card"><a href="/populaire/${Math.floor(rand() * 5000)}"><img src="/thumbs/${Math.floor(rand() * 900)}.jpg" ` +
      `alt="" loading="lazy"><h3>${sentence(rand)}</h3></a><p class="teaser">${sentence(rand)}</p><span class="tag">Territoires</span></div>`
    cards.push(card)
    size += card.length + 1
  }
  const related = cards.length === 0 ? "" : `<section class="related"><h2>Sur le même sujet</h2><div class="grid">${cards.join("\n")}</div></section>`
  return head + before + parts.join("") + after.replace("</main>", `${related}</main>`)
}
