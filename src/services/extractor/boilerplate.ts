import { tagName } from "./elements.js"
import { collapseWhitespace } from "./text.js"
import { measureAll } from "./trim.js"

// Short lines inside the content that are about the article rather than of it: date lines, photo credits, "read
// also" and "share" prompts, ads' labels. Told by their wording, as trafilatura and jusText tell boilerplate, in the
// languages the crawl meets most; only a block whose whole text is such a line goes, so that a sentence that merely
// mentions a date or a photo stays.
const SHORT_LINE_CHARS = 80

const MONTHS =
  "jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|f[ée]vrier|m[aä]r(?:ch|z|s)?|apr(?:il)?|avril|ma[iy]|june?|juni|juin|" +
  "july?|juli|juillet|aug(?:ust)?|ao[uû]t|sep(?:t|tember|tembre)?|o[ck]t(?:ober|obre)?|nov(?:ember|embre)?|" +
  "d[ée][cz](?:ember|embre)?|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrze[sś]nia|" +
  "pa[zź]dziernika|listopada|grudnia|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|" +
  "noviembre|diciembre"
const WEEKDAYS =
  "mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|montag|dienstag|" +
  "mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
const DATE_LABELS =
  "published|updated|posted|last updated|modified|on|at|am|um|uhr|ver[öo]ffentlicht|aktualisiert|erstellt|" +
  "ge[äa]ndert|stand|datum|zuletzt|publi[ée]|mis [àa] jour|le|opublikowano|publikacja|aktualizacja|publicado|" +
  "actualizado|el|de|[àa]|pm|cet|cest|gmt|utc|h"
// Once the labels, months and weekdays are taken out, a date line is digits and separators only.
// Words end at a letter, accented ones included (\b knows ASCII letters only).
const DATE_WORDS = new RegExp(`(?<!\\p{L})(?:${DATE_LABELS}|${MONTHS}|${WEEKDAYS})(?!\\p{L})\\.?`, "giu")
const DATE_REST = /^[\d\s.,:/\-|–—()]*$/

// A month's name, or a numeric date: a bare number (a table's figure, a score) is not a date line.
const DATE_MARK = new RegExp(`(?<!\\p{L})(?:${MONTHS})(?!\\p{L})|\\d{1,4}[./-]\\d{1,2}[./-]\\d{2,4}`, "iu")

const isDateLine = (text: string): boolean =>
  text.length <= 60 && DATE_MARK.test(text) && DATE_REST.test(text.replace(DATE_WORDS, ""))

const CREDIT_LINE = new RegExp(
  `^(?:${[
    "fotos?", "photos?", "bild(?:er)?", "image", "credits?", "cr[ée]dits? photos?", "quelle", "source", "[źz]r[óo]d[łl]o",
    "copyright", "©", "fot\\.?", "foto:"
  ].join("|")})\\s*[:©/|]` +
    "|\\b(?:getty ?images|istock(?:photo)?(?:\\.com)?|shutterstock|unsplash|pixabay|picture[- ]alliance|imago)\\b",
  "i"
)

// Headings and prompts of the boxes around an article: related stories, sharing, comments, newsletters, ads.
const BOX_HEADING = new RegExp(
  `^(?:${[
    "read (?:also|more|next)", "related(?: articles?| stories| posts| content| news| topics)?", "see also",
    "more (?:on|from|about) (?:this|the)(?: topic| story)?", "you (?:may|might) (?:also )?like", "recommended(?: for you)?",
    "most (?:read|popular)", "top stories", "lire aussi", "[àa] lire aussi", "voir aussi", "sur le m[êe]me sujet",
    "mehr zum thema", "auch interessant", "das (?:k[öo]nnte|d[üu]rfte) (?:sie|dich) (?:auch )?interessieren",
    "weitere (?:artikel|beitr[äa]ge|themen|nachrichten|meldungen|tipps|tourentipps)", "verwandte (?:artikel|themen|beitr[äa]ge)",
    "empfohlene (?:artikel|beitr[äa]ge)", "empfehlungen", "zum weiterlesen", "lesen sie (?:auch|mehr)",
    "schon gelesen", "beitr[äa]ge zum thema", "mehr aus", "heute empfehlen wir", "veja tamb[ée]m", "leia tamb[ée]m",
    "czytaj (?:te[żz]|tak[żz]e|r[óo]wnie[żz])", "zobacz (?:te[żz]|tak[żz]e|r[óo]wnie[żz])", "lee (?:tambi[ée]n|m[áa]s)",
    "leer (?:tambi[ée]n|m[áa]s)", "te puede interesar", "noticias relacionadas", "leggi anche", "articoli correlati",
    "share(?: this)?(?: article| story| post| page)?", "teilen", "jetzt teilen", "(?:diesen )?artikel teilen",
    "m[öo]chten sie (?:den|diesen) artikel teilen", "partager(?: cet article)?", "udost[ęe]pnij", "compartir",
    "condividi", "war (?:der|dieser) artikel (?:hilfreich|n[üu]tzlich)", "was this (?:article|page) helpful",
    "leave a (?:comment|reply)", "kommentare?(?: schreiben)?", "kommentar verfassen", "write a comment",
    "\\d+ (?:comments?|kommentare?)", "keine kommentare", "no comments", "advertisement", "anzeige", "werbung", "reklama",
    "publicit[ée]", "sponsored", "kontakt", "contact", "zur[üu]ck(?: zur [\\p{L} ]+)?", "back to [\\p{L} ]+",
    "(?:join|subscribe to) our newsletter", "newsletter abonnieren", "(?:category|kategorie|tags?|schlagw[öo]rter)\\s?:.*"
  ].join("|")})[^\\p{L}\\d]*$`,
  "iu"
)
// A line that only points to another article: "Read more: <its title>".
const READ_ALSO_LINE = new RegExp(
  `^(?:${[
    "read (?:also|more)", "see also", "related", "lire aussi", "[àa] lire aussi", "voir aussi", "lesen sie (?:auch|mehr)",
    "mehr zum thema", "auch interessant", "auch lesen", "lea(?: tambi[ée]n| m[áa]s)?", "lee tambi[ée]n", "mire", "mira",
    "vea tambi[ée]n", "puedes ver", "(?:le|te) puede interesar", "leia tamb[ée]m", "veja tamb[ée]m",
    "czytaj (?:te[żz]|tak[żz]e|r[óo]wnie[żz])", "zobacz (?:te[żz]|tak[żz]e|r[óo]wnie[żz])", "leggi anche"
  ].join("|")})\\s?:`,
  "iu"
)
// The publisher's rights notice, whatever else its line says.
const RIGHTS_LINE = new RegExp(
  [
    "all rights reserved", "alle rechte vorbehalten", "tous droits r[ée]serv[ée]s", "todos los derechos reservados",
    "wszelkie prawa zastrze[żz]one", "tutti i diritti riservati", "todos os direitos reservados"
  ].join("|"),
  "iu"
)
// A "read also" line carries a title, and a rights notice a sentence or two: longer than the other lines.
const TITLE_LINE_CHARS = 200
// A photo credit as agencies and photographers sign: "AFP / Jane Doe", "Agency | Name".
const SIGNED_CREDIT = /^\p{Lu}[^.!?:/|]{0,40}\s?[/|]\s?\p{Lu}[^.!?:/|]{0,40}$/u

const BLOCKS = new Set([
  "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "time", "span", "small", "section", "dd", "dt",
  "td", "header"
])
const HEADING = /^h[1-6]$/

const linkShare = (element: Element, chars: number): number => {
  let linked = 0
  for (const link of Array.from(element.querySelectorAll("a"))) linked += collapseWhitespace(link.textContent ?? "").length
  return chars === 0 ? 0 : linked / chars
}

const hasContent = (element: Element): boolean =>
  collapseWhitespace(element.textContent ?? "") !== "" || tagName(element) === "img" || element.querySelector("img") !== null

const nextWithContent = (element: Element): Element | null => {
  for (let next = element.nextElementSibling; next !== null; next = next.nextElementSibling) {
    if (hasContent(next)) return next
  }
  return null
}

/**
 * Removes from `root` the short boilerplate lines above, and with a "read also" heading the box of links it opens.
 */
export const removeBoilerplateLines = (root: Element): void => {
  // Lengths from one walk: reading the text of every block, the article's wrappers included, costs a walk per level.
  const measured = measureAll(root)
  for (const element of Array.from(root.querySelectorAll("*"))) {
    const chars = measured.get(element)?.chars ?? 0
    if (chars === 0 || chars > TITLE_LINE_CHARS || !BLOCKS.has(tagName(element)) || !root.contains(element)) continue
    const text = collapseWhitespace(element.textContent ?? "")
    const short = chars <= SHORT_LINE_CHARS
    if (short && BOX_HEADING.test(text)) {
      const box = nextWithContent(element)
      if (box !== null && linkShare(box, collapseWhitespace(box.textContent ?? "").length) >= 0.5) box.remove()
      element.remove()
    } else if (
      READ_ALSO_LINE.test(text) || RIGHTS_LINE.test(text) ||
      (short && (isDateLine(text) || CREDIT_LINE.test(text) || (SIGNED_CREDIT.test(text) && !HEADING.test(tagName(element)))))
    ) {
      element.remove()
    }
  }
}

const headingLevel = (element: Element): number | null => {
  const name = tagName(element)
  return HEADING.test(name) ? Number(name[1]) : null
}

/** The first block with text after `element` in document order within `root`, down to its first heading or leaf. */
const followingBlock = (element: Element, root: Element): Element | null => {
  let node: Element | null = element
  while (node !== null && node !== root) {
    const next = nextWithContent(node)
    if (next !== null) {
      let first: Element = next
      while (headingLevel(first) === null) {
        const child = Array.from(first.children).find(hasContent)
        if (child === undefined) break
        first = child
      }
      return first
    }
    node = node.parentElement
  }
  return null
}

// A longer heading followed by one of its own level is a standfirst set as a heading, not an emptied section's title.
const SECTION_TITLE_CHARS = 40

/**
 * Removes the headings left without the content they announced: followed by nothing, or by a heading of a higher
 * level, or of the same level for a short title (the rules above, or the page's own markup, took their section away).
 */
export const removeOrphanHeadings = (root: Element): void => {
  const headings = Array.from(root.querySelectorAll("h1, h2, h3, h4, h5, h6")).reverse()
  for (const heading of headings) {
    const level = headingLevel(heading)!
    const next = followingBlock(heading, root)
    const nextLevel = next === null ? null : headingLevel(next)
    const emptied = nextLevel !== null &&
      (nextLevel < level || (nextLevel === level && collapseWhitespace(heading.textContent ?? "").length <= SECTION_TITLE_CHARS))
    if (next === null || emptied) heading.remove()
  }
}
