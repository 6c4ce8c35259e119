/**
 * The words a reader sees in a Markdown text: link and image targets, emphasis marks, heading hashes and list bullets
 * removed. Relevance and word counts are computed on this, so a URL inside a link never counts as a term.
 */
export const markdownToText = (markdown: string): string =>
  markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)/g, "$1")
    .replace(/<[^>]+>/g, " ")
    .replace(/^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/(\*\*|__|\*|_|~~|`+)/g, "")
    .replace(/^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/gm, "")
    // Runs of spaces and tabs as one space; a lone space, most of them, is not matched (replaced by itself, it was most
    // of this pass's time).
    .replace(/ [ \t]+|\t[ \t]*/g, " ")
    .replace(/\n{3,}/g, "\n\n")
    .trim()

/** JavaScript's whitespace (`\s`, what `trim` removes). */
const isSpace = (c: number) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 ||
  c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff

/** The runs of non-whitespace: counted in place, without the array of words a split would make. */
export const countWords = (text: string): number => {
  let words = 0
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i))
    if (!space && !inWord) words++
    inWord = !space
  }
  return words
}
