import { createContext } from "preact"
import { useContext } from "preact/hooks"
import { en } from "./i18n/en.js"
import { fr } from "./i18n/fr.js"

export type Key = keyof typeof en
export type Lang = "en" | "fr"
export const languages: ReadonlyArray<Lang> = ["en", "fr"]

const tables: Readonly<Record<Lang, Readonly<Record<Key, string>>>> = { en, fr }
const STORED = "mwi.lang"

/** The language chosen before in this browser, else the browser's own when it is French, else English. */
export const initialLang = (): Lang => ((localStorage.getItem(STORED) ?? navigator.language).toLowerCase().startsWith("fr") ? "fr" : "en")
export const storeLang = (lang: Lang) => localStorage.setItem(STORED, lang)

export type Vars = Readonly<Record<string, string | number>>

export const translator = (lang: Lang) => {
  const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 })
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" })
  const t = (key: Key, vars: Vars = {}) =>
    tables[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = vars[name]
      return v === undefined ? `{${name}}` : typeof v === "number" ? numbers.format(v) : v
    })
  /** A key built at run time (an error tag, a counter, a state): its text when the table has one. */
  const maybe = (key: string, vars: Vars = {}) => (key in tables[lang] ? t(key as Key, vars) : undefined)
  const num = (n: number | null | undefined) => (n === null || n === undefined ? "—" : numbers.format(n))
  const date = (d: Date | null | undefined) => (d === null || d === undefined ? "—" : dates.format(d))
  return { lang, t, maybe, num, date }
}

export type I18n = ReturnType<typeof translator> & { readonly setLang: (lang: Lang) => void }

export const I18nContext = createContext<I18n>({ ...translator("en"), setLang: () => undefined })
export const useI18n = () => useContext(I18nContext)
