import { useState } from "preact/hooks"
import type { UserJson } from "../../http/dto.js"
import { signIn } from "../api.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, Field, useAction } from "./ui.js"

export const Login = ({ onSignedIn }: { readonly onSignedIn: (user: typeof UserJson.Type) => void }) => {
  const { t } = useI18n()
  const [username, setUsername] = useState("")
  const [password, setPassword] = useState("")
  const { busy, error, run } = useAction()
  return (
    <form class="card narrow" onSubmit={(e) => {
      e.preventDefault()
      void run(async () => onSignedIn(await signIn(username, password)))
    }}>
      <h1>{t("login.title")}</h1>
      <Field label={t("login.username")}>
        <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </Field>
      <Field label={t("login.password")}>
        <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </Field>
      <ErrorBox error={error} />
      <button type="submit" class="primary" disabled={busy}>{t("login.submit")}</button>
      <p class="hint">{t("login.hint")}</p>
    </form>
  )
}
