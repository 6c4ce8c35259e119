import { Config, Context } from "effect"
import { DEFAULT_ARCHIVE_URL } from "../domain/web-archive.js"
import { settingsLayer } from "./config.js"

export interface WebArchiveSettings {
  /** The web archive readable jobs ask for snapshots (`MWI_ARCHIVE_URL`, https://archive.org). */
  readonly url: string
}

const settingsConfig: Config.Config<WebArchiveSettings> = Config.all({
  url: Config.string("MWI_ARCHIVE_URL").pipe(Config.withDefault(DEFAULT_ARCHIVE_URL))
})

/** Where the readable pipeline's archive fallback looks for a page's closest snapshot. */
export class WebArchive extends Context.Tag("mwi/WebArchive")<WebArchive, WebArchiveSettings>() {
  static readonly layer = settingsLayer(WebArchive, settingsConfig)
  static readonly Default = WebArchive.layer()
}
