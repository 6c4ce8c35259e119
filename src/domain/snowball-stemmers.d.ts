// snowball-stemmers ships CommonJS without typings; this covers the two functions it exports.
declare module "snowball-stemmers" {
  export interface Stemmer {
    /** Expects lowercase input: several algorithms mark vowels with uppercase letters internally. */
    stem(word: string): string
  }
  /** Only names from `algorithms()` are safe: "constructor" is accepted and yields a stemmer whose stem() throws. */
  export function newStemmer(algorithm: string): Stemmer
  export function algorithms(): Array<string>
}
