import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { Extraction } from "../src/domain/extraction.js"
import { normalizeUrl } from "../src/domain/url.js"
import { extract, type ExtractOptions } from "../src/services/extractor/extract.js"
import { EMPTY } from "./support/extraction.js"

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/extractor/${name}`, import.meta.url), "utf8")

/** Every result must decode with the schema and survive structured cloning (worker threads) unchanged. */
const run = (url: string, html: string, options: ExtractOptions = { links: "content" }): Extraction => {
  const result = extract(url, html, options)
  expect(Schema.decodeUnknownEither(Extraction)(result)._tag).toBe("Right")
  expect(structuredClone(result)).toEqual(result)
  return result
}

const page = (head: string, body: string, htmlAttributes = ""): string =>
  `<!DOCTYPE html><html${htmlAttributes}><head>${head}</head><body>${body}</body></html>`

/** `count` paragraphs of `sentence`. */
const prose = (count: number, sentence: string): string =>
  Array.from({ length: count }, (_, index) => `<p>${sentence} (${index + 1})</p>`).join("\n")

const ENGLISH =
  "Researchers in the social sciences have long used crawlers to build corpora of web pages, and the quality of " +
  "their data depends on how the pages are extracted and cleaned."
const FRENCH =
  "Les chercheurs en sciences sociales utilisent depuis longtemps des robots pour constituer des corpus de pages, " +
  "et la qualité de leurs données dépend de la manière dont les pages sont extraites."

// Large inputs take a few hundred milliseconds, more on a loaded machine.
const SLOW = 30_000

const NEWS_URL = "https://www.lequotidien.example/societe/2024/03/05/les-robots-des-chercheurs"
const news = fixture("news-article.html")

describe("extract: a news article", () => {
  const result = run(NEWS_URL, news)

  it("reads the metadata, preferring social titles and JSON-LD dates", () => {
    expect(result.title).toBe("Les robots des chercheurs explorent le web")
    expect(result.description).toBe(
      "Des laboratoires de sciences sociales construisent leurs corpus avec des robots d'exploration. " +
        "Enquête sur des outils discrets mais décisifs."
    )
    expect(result.keywords).toBe("robots, Recherche, web, corpus, sciences sociales")
    expect(result.htmlLang).toBe("fr")
    expect(result.detectedLang).toBe("fr")
    expect(result.lang).toBe("fr")
    expect(result.canonicalUrl).toBe(NEWS_URL)
    // In the NewsArticle of the JSON-LD @graph, more precise than the article's <time datetime="2024-03-05">.
    expect(result.publishedAt).toBe("2024-03-05T06:30:00.000Z")
  })

  it("keeps the article as Markdown, without the page around it", () => {
    const markdown = result.readableMarkdown
    expect(result.readableSource).toBe("readability")
    expect(markdown).toMatch(/^\*\*Depuis une quinzaine d'années/)
    expect(markdown).toContain("\n## Une question de politesse\n")
    expect(markdown).toContain("-   le texte principal, converti dans un format simple et lisible ;")
    expect(markdown).toContain("> Un corpus web n'est jamais un échantillon neutre")
    expect(markdown).toContain("_« C'est la condition pour que la recherche reste acceptable")
    expect(markdown).toContain("[le communiqué du CNRS](https://www.cnrs.example/actualites/robots?id=42)")
    expect(markdown).toContain(
      "[notre enquête sur les archives du web](https://www.lequotidien.example/sciences/2023/11/20/archives-du-web " +
        '"Archives")'
    )
    expect(markdown).toContain(
      "![Un graphe de sites web coloré par communauté](https://www.lequotidien.example/img/2024/03/graphe.png)"
    )
    // Links that cannot be followed, or lead back to the page, stay as text.
    expect(markdown).toContain("écrivez à la rédaction ou appelez le standard. Imprimer l'article.")
    expect(markdown).toContain("vers les commentaires de cet article")
    const chrome = ["window.__CONFIG__", ".c-12{", "Mentions légales", "Les plus lus", "Lecteur 3", "Accepter"]
    for (const text of chrome) {
      expect(markdown).not.toContain(text)
      expect(result.readableText).not.toContain(text)
    }
    expect(markdown).not.toContain("Votre navigateur ne lit pas les vidéos")
  })

  it("counts words and reading time on the plain text", () => {
    expect(result.readableText).not.toMatch(/[*_#[\]]/)
    expect(result.readableText.split("\n")).toContain("Une question de politesse")
    expect(result.wordCount).toBe(result.readableText.split(/\s+/).length)
    expect(result.wordCount).toBeGreaterThan(800)
    expect(result.readingTimeMinutes).toBe(Math.ceil(result.wordCount / 200))
  })

  it("links the content only, normalised and deduplicated, without self-links or other schemes", () => {
    expect(result.links).toEqual([
      {
        url: "https://github.example/mwi/mywebintelligence",
        anchorText: "MyWebIntelligence",
        rel: null,
        internal: false
      },
      {
        url: "https://www.cnrs.example/actualites/robots?id=42",
        anchorText: "le communiqué du CNRS",
        rel: "noopener noreferrer",
        internal: false
      },
      {
        url: "https://cdn.lequotidien.example/docs/rapport-2023.pdf",
        anchorText: "rapport de synthèse",
        rel: null,
        internal: false
      },
      { url: "https://gephi.example/", anchorText: "Gephi", rel: null, internal: false },
      {
        url: "https://www.lequotidien.example/sciences/2023/11/20/archives-du-web",
        anchorText: "notre enquête sur les archives du web",
        rel: null,
        internal: true
      }
    ])
  })

  it("links every anchor of the page with links: all", () => {
    const all = run(NEWS_URL, news, { links: "all" })
    const urls = all.links.map((link) => link.url)
    expect(new Set(urls).size).toBe(urls.length)
    expect(urls).toEqual(expect.arrayContaining(result.links.map((link) => link.url)))
    expect(urls).toEqual(
      expect.arrayContaining([
        "https://www.lequotidien.example/politique/",
        "https://www.lequotidien.example/sport/portraits/",
        "https://www.lequotidien.example/mentions-legales",
        "https://www.lequotidien.example/membres/lecteur-3",
        "https://www.lequotidien.example/sciences/2024/02/12/corpus-numeriques",
        "https://twitter.example/lequotidien"
      ])
    )
    expect(urls).not.toContain(NEWS_URL)
    expect(urls.some((url) => !url.startsWith("https://"))).toBe(false)
    expect(all.links.find((link) => link.url.endsWith("/auteurs/claire-dumas"))).toEqual({
      url: "https://www.lequotidien.example/auteurs/claire-dumas",
      anchorText: "Claire Dumas",
      rel: "author",
      internal: true
    })
    // The rest of the extraction does not depend on the option.
    expect({ ...all, links: [] }).toEqual({ ...result, links: [] })
  })

  it("records the media of the content, audio included", () => {
    expect(result.media).toEqual([
      {
        url: "https://www.lequotidien.example/img/2024/03/graphe.png",
        type: "image",
        alt: "Un graphe de sites web coloré par communauté"
      },
      {
        url: "https://www.lequotidien.example/img/2024/03/graphe@2x.png",
        type: "image",
        alt: "Un graphe de sites web coloré par communauté"
      },
      { url: "https://www.lequotidien.example/media/2024/03/reportage-labo.mp4", type: "video", alt: null },
      { url: "https://www.lequotidien.example/media/2024/03/podcast-episode-12.mp3", type: "audio", alt: null }
    ])
  })
})

describe("extract: what surrounds the article", () => {
  const teasers = (heading: string, count: number) =>
    `<div class="box"><h2>${heading}</h2><ul>${Array.from(
      { length: count },
      (_, index) => `<li><a href="/story-${heading.length}-${index}">${heading} story number ${index}</a></li>`
    ).join("")}</ul></div>`
  // A news page as BBC News built them: the story, then lists of related and most-read stories in the same container.
  const html = page(
    "",
    `<div id="main-content"><div class="block-a"><div class="story-body"><h1>The headline</h1>
      <a class="hidden" href="#story">Continue reading the main story</a>
      ${prose(6, ENGLISH)}<p>Read <a href="/rest">the rest of the story</a>.</p>
      ${teasers("More stories", 3)}</div>
      <div class="share"><a href="/share?fb">Facebook</a> <a href="/share?tw">Twitter</a> <a href="/mail">Email</a></div>
      </div><div class="block-b">${teasers("Top", 5)}${teasers("Most read", 10)}
      <div><h3><a href="/feature">A feature</a></h3><p>Its short teaser.</p></div></div></div>`
  )
  const result = run("https://news.example.org/story", html)

  it("drops the boxes of links beside the article and at its ends, and text hidden by class", () => {
    expect(result.readableSource).toBe("readability")
    expect(result.readableText).not.toMatch(/Top story|Most read|More stories|Facebook|A feature|Continue reading/)
    expect(result.links.map((link) => link.url)).toEqual(["https://news.example.org/rest"])
  })

  it("keeps the article's paragraphs whatever their links", () => {
    expect(result.readableText.startsWith("The headline\nResearchers")).toBe(true)
    expect(result.readableText.endsWith("(6)\nRead the rest of the story.")).toBe(true)
  })

  it("leaves a page of links whole, lists at its ends included", () => {
    const list = (section: number) =>
      `<ul>${Array.from({ length: 10 }, (_, index) =>
        `<li><a href="/s-${section}-${index}">A story about something, number ${index}</a> (12 comments)</li>`
      ).join("")}</ul>`
    const listing = run("https://news.example.org/latest", page("", `<main>${list(1)}${list(2)}${list(3)}</main>`))
    expect(listing.links).toHaveLength(30)
  })

  it("keeps the content's headings, lists, links and images in Markdown, and no heading without its section", () => {
    const links = (count: number) =>
      `<ul>${Array.from({ length: count }, (_, index) => `<li><a href="/autre-${index}">Un autre article, numéro ${index}</a></li>`).join("")}</ul>`
    const article = run("https://news.example.org/story", page("", `<article><h1>Le titre</h1>${prose(3, FRENCH)}
      <h2>Une section</h2><p>Avec <a href="/source">sa source</a> :</p><ul><li>un point ;</li><li>un autre.</li></ul>
      <figure><img src="/graphe.png" alt="Un graphe"></figure>${prose(2, FRENCH)}
      <h2>Lire aussi</h2>${links(4)}<h3>Nos autres dossiers</h3>${links(5)}</article>`))
    const markdown = article.readableMarkdown
    expect(markdown).toContain("\n## Une section\n")
    expect(markdown).toContain("Avec [sa source](https://news.example.org/source) :")
    expect(markdown).toContain("-   un point ;")
    expect(markdown).toContain("![Un graphe](https://news.example.org/graphe.png)")
    expect(markdown).not.toMatch(/Lire aussi|Nos autres dossiers|Un autre article/)
  })

  it("leaves out date lines, photo credits and 'read also' prompts, and keeps a standfirst set apart", () => {
    const article = run("https://news.example.org/story", page("", `<header><h1>Le titre</h1>
      <p class="article__chapo">${FRENCH}</p></header>
      <article><p>Publié le 5 mars 2024 à 06:30</p>${prose(5, ENGLISH)}
      <figure><img src="/a.jpg" alt=""><figcaption>Photo : AFP</figcaption></figure>
      <p><strong>Read also:</strong></p><ul><li><a href="/x">Another story of the week</a></li></ul>
      ${prose(2, ENGLISH)}</article>`))
    expect(article.readableText.startsWith(FRENCH)).toBe(true)
    expect(article.readableText).not.toMatch(/Publié le|Photo : AFP|Read also|Another story/)
  })

  it("drops the blocks named as around the article, captions and closing prompts, not the blocks named for what they hold", () => {
    const article = run("https://news.example.org/story", page("", `<article>
      <section class="intro has-ads"><p class="lead">${FRENCH}</p></section>${prose(5, ENGLISH)}
      <figure><img src="/a.jpg" alt=""><figcaption>The harbour at dawn, seen from the old lighthouse.</figcaption></figure>
      ${prose(2, ENGLISH)}
      <div class="article-footer"><h4>The reporter</h4><p>Our reporter covers science and society for the paper.</p></div>
      <div class="comment-content"><p>A reader's comment, kept as the page names it content.</p></div>
      <p>Subscribe to our newsletter for the latest stories in your inbox.</p></article>`))
    expect(article.readableText).toContain(FRENCH)
    expect(article.readableText).toContain("A reader's comment")
    expect(article.readableText).not.toMatch(/harbour at dawn|Our reporter|Subscribe/)
    expect(article.media.map((medium) => medium.url)).toEqual(["https://news.example.org/a.jpg"])
  })

  it("keeps the story's own subscribing near its end: a closing prompt speaks to the reader", () => {
    const story = "No deadline has been set, nor is it clear which countries are willing to sign up to it."
    const article = run("https://news.example.org/story", page("", `<article>${prose(5, ENGLISH)}<p>${story}</p>
      ${prose(1, ENGLISH)}<p>Sign up here for our weekly digest.</p><p>Subscribe</p></article>`))
    expect(article.readableText).toContain(story)
    expect(article.readableText).not.toMatch(/weekly digest|Subscribe/)
  })

  it("shows the fallback content of an <object>, as browsers without plugins do", () => {
    const video =
      `<object data="/player.swf"><param name="movie" value="/player.swf"><img src="/still.jpg" alt="">` +
      `<p>The minister, filmed as she left the meeting on Tuesday.</p></object>`
    const withVideo = run("https://news.example.org/story", page("", `<article>${video}${prose(4, ENGLISH)}</article>`))
    expect(withVideo.readableText.split("\n")[0]).toBe("The minister, filmed as she left the meeting on Tuesday.")
    expect(withVideo.media.map((medium) => medium.url)).toEqual(["https://news.example.org/still.jpg"])
  })
})

describe("extract: media", () => {
  it("finds lazy images, every srcset candidate, picture sources, video and audio", () => {
    const result = run("https://photos.example.org/notes/night", fixture("media-article.html"))
    expect(result.readableSource).toBe("readability")
    expect(result.media).toEqual([
      { url: "https://photos.example.org/photos/bridge.jpg", type: "image", alt: "The old bridge under sodium lamps" },
      { url: "https://cdn.example.net/img/w_640,h_480/harbour.avif", type: "image", alt: "Cranes of the harbour" },
      { url: "https://cdn.example.net/img/w_1280,h_960/harbour.avif", type: "image", alt: "Cranes of the harbour" },
      { url: "https://photos.example.org/photos/harbour-640.webp", type: "image", alt: "Cranes of the harbour" },
      { url: "https://photos.example.org/photos/harbour-1280.webp", type: "image", alt: "Cranes of the harbour" },
      { url: "https://photos.example.org/photos/harbour.jpg", type: "image", alt: "Cranes of the harbour" },
      { url: "https://photos.example.org/photos/rain.jpg", type: "image", alt: "Reflections on a wet street" },
      { url: "https://photos.example.org/photos/tram-800.jpg", type: "image", alt: null },
      { url: "https://photos.example.org/photos/tram-1600.jpg", type: "image", alt: null },
      { url: "https://photos.example.org/media/tram.webm", type: "video", alt: null },
      { url: "https://photos.example.org/media/tram.mp4", type: "video", alt: null },
      { url: "https://photos.example.org/media/talk.mp3", type: "audio", alt: null }
    ])
    // The Markdown shows the real image, not the lazy-loading placeholder.
    expect(result.readableMarkdown).toContain(
      "![The old bridge under sodium lamps](https://photos.example.org/photos/bridge.jpg)"
    )
    expect(result.readableMarkdown).toContain("![](https://photos.example.org/photos/tram-800.jpg)")
    expect(result.readableMarkdown).not.toContain("data:")
  })

  it("resolves against <base href>, and skips data: URIs", () => {
    const html = page(
      `<base href="https://static.example.org/docs/v2/">`,
      `<article>${prose(4, ENGLISH)}
        <p><a href="guide.html?utm_medium=x">the guide</a> <a href="../v1/">older</a>
        <a href="//mirror.example.net/g">mirror</a>
        <img src="img/figure.png" alt="figure"> <img src="data:image/png;base64,iVBORw0KGgo=" alt="inline"></p>
      </article>`
    )
    const result = run("https://www.example.org/page", html)
    expect(result.links).toEqual([
      { url: "https://static.example.org/docs/v2/guide.html", anchorText: "the guide", rel: null, internal: false },
      { url: "https://static.example.org/docs/v1/", anchorText: "older", rel: null, internal: false },
      { url: "https://mirror.example.net/g", anchorText: "mirror", rel: null, internal: false }
    ])
    expect(result.media).toEqual([
      { url: "https://static.example.org/docs/v2/img/figure.png", type: "image", alt: "figure" }
    ])
  })
})

describe("extract: links", () => {
  it("strips tracking parameters and fragments, keeps the first anchor of a target", () => {
    const html = page(
      "",
      `<article>${prose(4, ENGLISH)}<p>
        <a href="/report?utm_source=feed&amp;id=3&amp;fbclid=abc#part-2">  the
          report </a>
        <a href="/report?id=3">same report, other words</a>
        <a href="https://www.example.org/page#top">top</a>
        <a href="mailto:team@example.org">mail</a> <a href="tel:+33100000000">phone</a>
        <a href="javascript:void(0)">script</a> <a href="ftp://files.example.org/">ftp</a> <a href="">empty</a>
        <a href="http://[broken">broken</a>
        <a href="https://other.example.net/x" rel=" NoFollow  ugc ">elsewhere</a>
        <a href="/picture"><img src="/p.png" alt="A picture"></a>
        <a href="/long">${"word ".repeat(60)}</a>
      </p></article>`
    )
    const result = run("https://www.example.org/page?utm_campaign=spring", html)
    expect(result.links.map(({ url, anchorText, rel, internal }) => [url, anchorText.slice(0, 30), rel, internal]))
      .toEqual([
        ["https://www.example.org/report?id=3", "the report", null, true],
        ["https://other.example.net/x", "elsewhere", "nofollow ugc", false],
        ["https://www.example.org/picture", "A picture", null, true],
        ["https://www.example.org/long", "word word word word word word ", null, true]
      ])
    const long = result.links[3]!.anchorText
    expect(long.length).toBeLessThanOrEqual(200)
    expect(long).toBe("word ".repeat(40).trim())
  })
})

describe("extract: metadata", () => {
  const body = `<article><h1>The headline</h1>${prose(4, ENGLISH)}</article>`
  const titleOf = (head: string, bodyHtml = body) => run("https://www.example.org/a", page(head, bodyHtml)).title

  it("takes the title from og:title, twitter:title, <title>, then the first <h1>", () => {
    const og = `<meta property="og:title" content=" Social  title ">`
    const twitter = `<meta name="twitter:title" content="Twitter title">`
    const title = `<title>Document title | Site</title>`
    expect(titleOf(title + twitter + og)).toBe("Social title")
    expect(titleOf(title + twitter)).toBe("Twitter title")
    expect(titleOf(`<meta property="og:title" content="">` + title)).toBe("Document title | Site")
    expect(titleOf(`<svg><title>icon</title></svg>`)).toBe("The headline")
    expect(titleOf("", "<p>no heading at all</p>")).toBeNull()
  })

  it("takes the description from meta description, og:description, then twitter:description", () => {
    const descriptionOf = (head: string) => run("https://www.example.org/a", page(head, body)).description
    const meta = `<meta name="Description" content="Meta description">`
    const og = `<meta property="og:description" content="OG description">`
    const twitter = `<meta name="twitter:description" content="Twitter description">`
    expect(descriptionOf(twitter + og + meta)).toBe("Meta description")
    expect(descriptionOf(twitter + og)).toBe("OG description")
    expect(descriptionOf(twitter)).toBe("Twitter description")
    expect(descriptionOf("")).toBeNull()
  })

  it("normalises keywords to a comma list", () => {
    const keywordsOf = (content: string) =>
      run("https://www.example.org/a", page(`<meta name="keywords" content="${content}">`, body)).keywords
    expect(keywordsOf(" web ,crawler;;  Web, social   science ")).toBe("web, crawler, social science")
    expect(keywordsOf(" , ; ")).toBeNull()
  })

  it("resolves the canonical URL, falling back to og:url", () => {
    const canonicalOf = (head: string) => run("https://www.example.org/a/b?x=1", page(head, body)).canonicalUrl
    expect(canonicalOf(`<link rel="Canonical" href="../c?utm_source=rss#top">`)).toBe("https://www.example.org/c")
    expect(canonicalOf(`<link rel="alternate canonical" href="https://example.org/c">`)).toBe("https://example.org/c")
    expect(canonicalOf(`<meta property="og:url" content="https://www.example.org/og">`)).toBe(
      "https://www.example.org/og"
    )
    expect(canonicalOf(`<link rel="canonical" href="javascript:void(0)">`)).toBeNull()
    expect(canonicalOf("")).toBeNull()
  })

  describe("publication date", () => {
    const dateOf = (head: string, bodyHtml = body) => run("https://www.example.org/a", page(head, bodyHtml)).publishedAt
    const jsonLd = (value: unknown) => `<script type="application/ld+json">${JSON.stringify(value)}</script>`

    it("reads article:published_time and og:published_time, as UTC", () => {
      expect(dateOf(`<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">`)).toBe(
        "2024-03-05T09:00:00.000Z"
      )
      expect(dateOf(`<meta property="og:published_time" content="2024-03-05">`)).toBe("2024-03-05T00:00:00.000Z")
    })

    it("reads JSON-LD datePublished at the top level, in arrays and inside @graph", () => {
      expect(dateOf(jsonLd({ "@type": "NewsArticle", datePublished: "2023-11-20T08:15:00Z" }))).toBe(
        "2023-11-20T08:15:00.000Z"
      )
      expect(dateOf(jsonLd([{ "@type": "WebSite" }, { "@type": "Article", datePublished: "2023-11-21" }]))).toBe(
        "2023-11-21T00:00:00.000Z"
      )
      const graph = {
        "@context": "https://schema.org",
        "@graph": [
          { "@type": "WebPage", breadcrumb: { "@type": "BreadcrumbList" } },
          {
            "@type": "BlogPosting",
            datePublished: "2023-11-22T10:00:00-05:00",
            comment: { datePublished: "2024-01-01" }
          }
        ]
      }
      expect(dateOf(jsonLd(graph))).toBe("2023-11-22T15:00:00.000Z")
      // A broken block is skipped; a block wrapped in an HTML comment still reads.
      expect(
        dateOf(`<script type="application/ld+json">{ broken</script>` +
          `<script type="application/ld+json"><!-- {"datePublished": "2023-11-23"} --></script>`)
      ).toBe("2023-11-23T00:00:00.000Z")
    })

    it("reads date meta names and, last, a <time datetime> of the article", () => {
      expect(dateOf(`<meta name="DC.date" content="2022/7/14">`)).toBe("2022-07-14T00:00:00.000Z")
      expect(dateOf(`<meta name="citation_publication_date" content="2019">`)).toBe("2019-01-01T00:00:00.000Z")
      expect(dateOf(`<meta name="pubdate" content="Tue, 05 Mar 2024 10:00:00 GMT">`)).toBe("2024-03-05T10:00:00.000Z")
      expect(dateOf(`<meta name="date" content="March 5, 2024">`)).toBe("2024-03-05T00:00:00.000Z")
      expect(dateOf("", `<article><time datetime="2021-06-01T12:30">June</time>${prose(3, ENGLISH)}</article>`))
        .toBe("2021-06-01T12:30:00.000Z")
      expect(dateOf("", `<aside><time datetime="2021-06-01">June</time></aside>${body}`)).toBeNull()
    })

    it("ignores invalid dates and falls through to the next source", () => {
      for (const invalid of ["not a date", "nonsense 2024", "2024-02-30", "2024-13-01", "0001-01-01", "12:30", ""]) {
        expect(dateOf(`<meta property="article:published_time" content="${invalid}">`)).toBeNull()
        expect(
          dateOf(
            `<meta property="article:published_time" content="${invalid}">` + jsonLd({ datePublished: "2020-02-29" })
          )
        ).toBe("2020-02-29T00:00:00.000Z")
      }
    })
  })
})

describe("extract: language", () => {
  it("keeps the primary subtag of <html lang> and detects the language of the text", () => {
    const result = run("https://www.example.org/a", page("", `<article>${prose(4, FRENCH)}</article>`, ` lang="EN-us"`))
    expect(result.htmlLang).toBe("en")
    expect(result.detectedLang).toBe("fr")
    expect(result.lang).toBe("fr")
  })

  it("falls back to <html lang> when the text is too short to detect", () => {
    const result = run("https://www.example.org/a", page("", "<p>Bonjour tout le monde.</p>", ` lang="de"`))
    expect(result.detectedLang).toBeNull()
    expect(result.lang).toBe("de")
  })

  it("ignores a lang attribute that is no language tag", () => {
    const result = run("https://www.example.org/a", page("", `<article>${prose(4, ENGLISH)}</article>`, ` lang="x_1"`))
    expect(result.htmlLang).toBeNull()
    expect(result.lang).toBe("en")
  })
})

describe("extract: heuristic fallback", () => {
  it("reads a short page, which is no article, from its <main>", () => {
    const result = run("https://lab.example.fr/contact", fixture("short-page.html"))
    expect(result.readableSource).toBe("heuristic")
    expect(result.readableText).toBe(
      [
        "Nous contacter",
        "Le laboratoire accueille les chercheurs invités toute l'année.",
        "Écrivez-nous pour toute demande de corpus ou de collaboration : nous répondons sous une semaine.",
        "Le bureau se trouve au deuxième étage, plan d'accès."
      ].join("\n")
    )
    expect(result.readableMarkdown).toMatch(/^# Nous contacter\n/)
    expect(result.links).toEqual([
      { url: "https://lab.example.fr/plan-d-acces", anchorText: "plan d'accès", rel: null, internal: true }
    ])
    expect(result.title).toBe("Contact - Laboratoire Médias et Société")
  })

  it("prefers the page's <main> to a short pick of Readability, but not to hidden text", () => {
    // Readability keeps one of these blocks of links (275 characters).
    const linkBlock = `<div><p>${`<a href="/x">a link with some words</a> `.repeat(12)}</p></div>`
    const links = run("https://www.example.org/a", `<main><h1>Links</h1>${linkBlock.repeat(3)}</main>`)
    expect(links.readableSource).toBe("heuristic")
    expect(links.readableText.length).toBe(833)
    expect(run("https://www.example.org/a", linkBlock.repeat(3)).readableSource).toBe("readability")
    const hidden = run("https://www.example.org/a", `<div hidden>${prose(6, ENGLISH)}</div><p>Visible short text.</p>`)
    expect(hidden.readableSource).toBe("readability")
    expect(hidden.readableText).toBe("Visible short text.")
  })

  it("reads pages that are no article (listings, directories) with the heuristic: paragraphs, else the body", () => {
    const paragraphs = run(
      "https://www.example.org/a",
      `<nav><a href="/home">Home</a></nav>${"<p>A <span>short</span> <a href='/p'>line</a>.</p>".repeat(300)}`
    )
    expect(paragraphs.readableSource).toBe("heuristic")
    expect(paragraphs.wordCount).toBe(900)
    expect(paragraphs.readableText.startsWith("A short line.\nA short line.\n")).toBe(true)
    expect(paragraphs.links.map((link) => link.url)).toEqual(["https://www.example.org/p"])
    const body = run("https://www.example.org/a", `<div>${"<div><span>cell</span></div>".repeat(300)}</div>`)
    expect(body.readableSource).toBe("heuristic")
    expect(body.wordCount).toBe(300)
  })

  it("leaves articles too large for Readability to the heuristic", () => {
    const paragraph = `<p>${"<b>word</b> ".repeat(100)}</p>`
    const result = run("https://www.example.org/a", `<main><h1>Long</h1>${paragraph.repeat(60)}</main>`)
    expect(result.readableSource).toBe("heuristic")
    expect(result.wordCount).toBe(6001)
    expect(result.readableMarkdown.startsWith("# Long\n\n**word** **word**")).toBe(true)
  }, SLOW)

  it("never leaves a page with text without readable content", () => {
    const pages = [
      "Just a line of text.",
      "<div><span>Text in spans</span></div>",
      "<table><tr><td>Cell</td></tr></table>"
    ]
    for (const html of pages) {
      const result = run("https://www.example.org/a", html)
      expect(result.readableSource).not.toBe("none")
      expect(result.readableText).not.toBe("")
      expect(result.wordCount).toBeGreaterThan(0)
      expect(result.readingTimeMinutes).toBe(1)
    }
  })
})

describe("extract: hostile input", () => {
  it("returns an empty extraction for empty, blank, or binary input", () => {
    const binary = Array.from({ length: 4096 }, (_, index) => String.fromCharCode((index * 7919) % 256)).join("")
    const blank = ["", "   \n\t", "<html><head></head><body></body></html>", "<!-- never closed <p>text"]
    for (const html of [...blank, binary]) {
      expect(run("https://www.example.org/a", html)).toEqual(EMPTY)
    }
  })

  it("reads malformed HTML like a browser would, more or less", () => {
    const html =
      `<title>Malformed</title><p>First <b>bold <p>Second <a href=/x?utm_source=y>link</div></span>` +
      `<img src=/i.png alt=unquoted><p>\u0000Third</i>`
    const result = run("https://www.example.org/a", html)
    expect(result.title).toBe("Malformed")
    expect(result.readableText).toBe("First bold\nSecond link\nThird")
    // As in a browser, the unclosed <a> spans the next paragraph too.
    expect(result.links).toEqual([
      { url: "https://www.example.org/x", anchorText: "link Third", rel: null, internal: true }
    ])
    expect(result.media).toEqual([{ url: "https://www.example.org/i.png", type: "image", alt: "unquoted" }])
  })

  it("flattens absurdly deep markup instead of recursing into it", () => {
    const unclosed =
      `<article>${prose(4, ENGLISH)}${"<p><font><b>".repeat(20_000)}deep text <a href="/deep">deep link</a>`
    const deep = run("https://www.example.org/a", unclosed)
    expect(deep.readableText).toContain("deep text deep link")
    expect(deep.links.map((link) => link.url)).toEqual(["https://www.example.org/deep"])
    const divs = run("https://www.example.org/a", `${"<div>".repeat(50_000)}bottom`)
    expect(divs.readableText).toBe("bottom")
  }, SLOW)

  it("survives a page whose URL is not crawlable", () => {
    const links = `<a href="/relative">r</a> <a href="https://example.org/abs">a</a>`
    const result = run("not a url", page("", `<article>${prose(4, ENGLISH)}${links}</article>`))
    expect(result.links).toEqual([{ url: "https://example.org/abs", anchorText: "a", rel: null, internal: false }])
  })

  const fragment = fc.oneof(
    fc.string(),
    fc.constantFrom(
      "<a href=\"", "\">", "</a>", "<a href=", "<base href=\"", "<img src=\"", "\" srcset=\"", " 2x, ", "<html lang=\"",
      "<head>", "</head>", "<body>", "</body>", "<p>", "</p>", "<div>", "</div>", "<main>", "<article>", "<nav>",
      "<script>", "</script>", "<script type=\"application/ld+json\">", "{\"datePublished\":\"", "<!--", "-->",
      "<video src=\"", "<source src=\"", "<picture>", "<audio>", "<link rel=\"canonical\" href=\"", "<meta property=\"",
      "og:title", "\" content=\"", "<time datetime=\"", "2024-02-29", "javascript:alert(1)", "mailto:a@b.c", "data:,x",
      "http://", "https://example.org/a?utm_source=x&b=1#f", "//cdn.example.net/x", "../", "#top", "?q=1", " ",
      "&amp;", "&lt;", "<", ">", "\u0000", "\ufffd", "<b>", "<svg><title>", "</svg>", "<title>", "</title>", "é"
    )
  )
  const htmlish = fc.array(fragment, { maxLength: 80 }).map((parts) => parts.join(""))
  const pageUrl = fc.constantFrom("https://example.org/page", "http://example.org:8080/a/b/", "not a url", "")
  const linksOption = fc.constantFrom<ExtractOptions["links"]>("content", "all")

  it("never throws, and only returns normalised http(s) links to other pages", () => {
    fc.assert(
      fc.property(pageUrl, fc.oneof(htmlish, fc.string({ unit: "binary" })), linksOption, (url, html, links) => {
        const result = run(url, html, { links })
        const targets = result.links.map((link) => link.url)
        expect(new Set(targets).size).toBe(targets.length)
        for (const target of [...targets, ...result.media.map((media) => media.url)]) {
          expect(target).toMatch(/^https?:\/\//)
          expect(normalizeUrl(target)).toEqual(Either.right(target))
        }
        expect(targets).not.toContain(Either.getOrNull(normalizeUrl(url)))
        for (const link of result.links) expect(link.anchorText.length).toBeLessThanOrEqual(200)
      }),
      { numRuns: 300 }
    )
  }, SLOW)
})
