import { useEffect, useMemo, useState } from "preact/hooks"
import type { UserJson } from "../../http/dto.js"
import { call, onSignedOut, session, signOut } from "../api.js"
import { I18nContext, type Lang, initialLang, languages, storeLang, translator } from "../i18n.js"
import { useRoute } from "../router.js"
import { LandList } from "./lands.js"
import { LandView } from "./land.js"
import { Login } from "./login.js"
import { Users } from "./users.js"

type User = typeof UserJson.Type

export const App = () => {
  const [lang, setLang] = useState<Lang>(initialLang)
  const i18n = useMemo(() => ({ ...translator(lang), setLang: (l: Lang) => { storeLang(l); setLang(l) } }), [lang])
  // undefined while the stored token is being checked, null when signed out.
  const [user, setUser] = useState<User | null | undefined>(session.token === null ? null : undefined)
  useEffect(() => onSignedOut(() => setUser(null)), [])
  useEffect(() => {
    if (session.token !== null) call((api) => api.account.me()).then(setUser, () => setUser(null))
  }, [])
  useEffect(() => void (document.documentElement.lang = lang), [lang])
  const { t } = i18n
  return (
    <I18nContext.Provider value={i18n}>
      <header class="top">
        <a class="brand" href="#/">MyWebIntelligence</a>
        {user && <nav><a href="#/">{t("nav.lands")}</a>{user.isAdmin && <a href="#/users">{t("nav.users")}</a>}</nav>}
        <span class="spacer" />
        <select aria-label={t("nav.language")} value={lang} onChange={(e) => i18n.setLang(e.currentTarget.value as Lang)}>
          {languages.map((l) => <option value={l}>{t(`lang.${l}`)}</option>)}
        </select>
        {user && <span class="who">{user.username}</span>}
        {user && <button onClick={() => void signOut()}>{t("nav.signOut")}</button>}
      </header>
      <main>{user === undefined ? <p>{t("common.loading")}</p> : user === null ? <Login onSignedIn={setUser} /> : <Routes user={user} />}</main>
    </I18nContext.Provider>
  )
}

const Routes = ({ user }: { readonly user: User }) => {
  const route = useRoute()
  const [first, id] = route.parts
  if (first === "lands" && id !== undefined) return <LandView id={Number(id)} route={route} />
  if (first === "users" && user.isAdmin) return <Users />
  return <LandList />
}
