import { useState } from "preact/hooks"
import type { MediaItemJson } from "../../http/dto.js"
import { hammingDistance } from "../../domain/image-hash.js"
import { MediaId } from "../../domain/ids.js"
import { MediaType } from "../../domain/media.js"
import { call, compact } from "../api.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, Field, Pager, useLoad } from "./ui.js"

type Item = typeof MediaItemJson.Type
const LIMIT = 60
// Bits apart for two images to count as one picture (the API's default for nearDuplicatesOf).
const NEAR = 10

/** Groups of the shown images that look alike (perceptual hashes at most NEAR bits apart), numbered from 1. */
const groupsOf = (items: ReadonlyArray<Item>) => {
  const hashed = items.filter((m) => m.phash !== null)
  const parent = new Map(hashed.map((m) => [m.id, m.id]))
  const root = (id: number): number => (parent.get(id) === id ? id : root(parent.get(id)!))
  for (let i = 0; i < hashed.length; i++) {
    for (let j = i + 1; j < hashed.length; j++) {
      if (hammingDistance(hashed[i]!.phash!, hashed[j]!.phash!) <= NEAR) parent.set(root(hashed[j]!.id), root(hashed[i]!.id))
    }
  }
  const size = new Map<number, number>()
  for (const m of hashed) size.set(root(m.id), (size.get(root(m.id)) ?? 0) + 1)
  const numbers = new Map([...size].filter(([, n]) => n > 1).map(([r], i) => [r, i + 1]))
  return (m: Item) => (m.phash === null ? undefined : numbers.get(root(m.id)))
}

const bytes = (n: number | null) => (n === null ? "" : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`)

/** The land's media: sizes, dominant colours, look-alike groups, and the look-alikes of one image. */
export const MediaGallery = ({ landId }: { readonly landId: number }) => {
  const { t, maybe, num } = useI18n()
  const [type, setType] = useState<Item["type"] | "">("")
  const [analysed, setAnalysed] = useState<"" | "true" | "false">("")
  const [like, setLike] = useState<number | undefined>(undefined)
  const [offset, setOffset] = useState(0)
  const media = useLoad(() => call((api) => api.media.list({
    path: { id: landId },
    urlParams: compact({ limit: LIMIT, offset, type: type === "" ? undefined : type, analysed: analysed === "" ? undefined : analysed === "true", nearDuplicatesOf: like === undefined ? undefined : MediaId.make(like) })
  })), [landId, type, analysed, like, offset])
  const group = groupsOf(media.data?.items ?? [])
  return (
    <div>
      <div class="filters card">
        <Field label={t("media.type")}>
          <select value={type} onChange={(e) => { setType(e.currentTarget.value as Item["type"] | ""); setOffset(0) }}>
            <option value="">{t("common.all")}</option>
            {MediaType.literals.map((m) => <option value={m}>{maybe(`media.${m}`) ?? m}</option>)}
          </select>
        </Field>
        <Field label={t("media.analysed")}>
          <select value={analysed} onChange={(e) => { setAnalysed(e.currentTarget.value as "" | "true" | "false"); setOffset(0) }}>
            <option value="">{t("common.all")}</option><option value="true">{t("common.yes")}</option><option value="false">{t("common.no")}</option>
          </select>
        </Field>
        {like !== undefined && <button onClick={() => setLike(undefined)}>{t("media.allImages")}</button>}
        {media.data && <p class="muted">{t("media.count", { n: num(media.data.total) })}</p>}
      </div>
      <ErrorBox error={media.error} />
      <div class="gallery">
        {media.data?.items.map((m) => (
          <figure key={m.id}>
            <a href={m.url} target="_blank" rel="noreferrer">{m.type === "image" ? <img src={m.url} alt={m.alt ?? ""} loading="lazy" /> : <span class="kind">{m.type}</span>}</a>
            <figcaption>
              <div>{m.width !== null && m.height !== null ? `${m.width} × ${m.height}` : ""} {m.format ?? ""} {bytes(m.fileSize)}</div>
              {m.dominantColors && (
                <div class="swatches">{m.dominantColors.map((c) => <span title={`${Math.round(c.share * 100)} %`} style={{ background: `rgb(${c.rgb.join(",")})`, flexGrow: c.share }} />)}</div>
              )}
              {group(m) !== undefined && <span class="badge">{t("media.group", { n: group(m)! })}</span>}
              {m.distance !== null && <span class="badge">{t("media.distance", { n: m.distance })}</span>}
              {m.analysisError && <div class="error small">{m.analysisError}</div>}
              {m.phash !== null && like === undefined && <button class="link" onClick={() => { setLike(m.id); setOffset(0) }}>{t("media.lookAlikes")}</button>}
            </figcaption>
          </figure>
        ))}
      </div>
      {media.data && media.data.total === 0 && <p class="empty">{t("media.none")}</p>}
      {media.data && <Pager total={media.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />}
    </div>
  )
}
