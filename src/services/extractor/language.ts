import { detectAll } from "tinyld"

export interface Languages {
  readonly detectedLang: string | null
  readonly lang: string | null
}

// Below two or three sentences tinyld guesses more than it detects.
const MIN_DETECTION_CHARS = 200
// tinyld reads only the seven longest punctuation-delimited chunks of its input, and its per-word fallback pass costs
// milliseconds per chunk: a bounded prefix keeps the cost flat on long or unpunctuated texts.
const DETECTION_SAMPLE_CHARS = 1000
// tinyld's "accuracy" is the share of the analysed text attributed to a language; on real prose the winner takes
// well over a third, and a winner that does not clearly lead the runner-up means mixed or ambiguous text.
const CONFIDENT_ACCURACY = 0.35
const CONFIDENT_LEAD = 3

/** `detectedLang` from the text; `lang` is it when the detection is confident, else the page's declared language. */
export const languages = (text: string, htmlLang: string | null): Languages => {
  if (text.length < MIN_DETECTION_CHARS) return { detectedLang: null, lang: htmlLang }
  const [best, runnerUp] = detectAll(text.slice(0, DETECTION_SAMPLE_CHARS))
  if (best === undefined) return { detectedLang: null, lang: htmlLang }
  const confident = best.accuracy >= CONFIDENT_ACCURACY && best.accuracy >= CONFIDENT_LEAD * (runnerUp?.accuracy ?? 0)
  return { detectedLang: best.lang, lang: confident ? best.lang : htmlLang }
}
