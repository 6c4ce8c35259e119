const isSpace = (char: string): boolean =>
  char === " " || char === "\t" || char === "\n" || char === "\r" || char === "\f"

/**
 * The URLs of a `srcset`, following the HTML candidate-string grammar rather than splitting on commas: URLs may
 * themselves contain commas (image CDNs: "w_300,h_200"), a candidate's URL ends at whitespace, and a trailing comma
 * glued to a URL ends the candidate.
 */
export const srcsetUrls = (srcset: string): Array<string> => {
  const urls: Array<string> = []
  const length = srcset.length
  let index = 0
  while (index < length) {
    while (index < length && (isSpace(srcset[index]) || srcset[index] === ",")) index++
    const start = index
    while (index < length && !isSpace(srcset[index])) index++
    let url = srcset.slice(start, index)
    if (url.endsWith(",")) {
      url = url.replace(/,+$/, "")
    } else {
      let depth = 0
      while (index < length) {
        const char = srcset[index]
        if (char === "(") depth++
        else if (char === ")") depth = Math.max(0, depth - 1)
        else if (char === "," && depth === 0) break
        index++
      }
    }
    if (url !== "") urls.push(url)
  }
  return urls
}
