import { useState } from "preact/hooks"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, Field, useAction, useLoad } from "./ui.js"

/** The accounts of this server, for an administrator, and the form that creates one. */
export const Users = () => {
  const { t, date } = useI18n()
  const users = useLoad(() => call((api) => api.account.listUsers()), [])
  const [username, setUsername] = useState("")
  const [password, setPassword] = useState("")
  const [email, setEmail] = useState("")
  const [isAdmin, setIsAdmin] = useState(false)
  const { busy, error, run } = useAction()
  return (
    <section>
      <h1>{t("users.title")}</h1>
      <ErrorBox error={users.error} />
      <table class="data">
        <thead><tr><th>{t("login.username")}</th><th>{t("users.email")}</th><th>{t("users.admin")}</th><th>{t("users.created")}</th><th>{t("users.lastLogin")}</th></tr></thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id}><td>{u.username}</td><td>{u.email ?? ""}</td><td>{u.isAdmin ? t("common.yes") : ""}</td><td>{date(u.createdAt)}</td><td>{date(u.lastLoginAt)}</td></tr>
          ))}
        </tbody>
      </table>
      <form class="card narrow" onSubmit={(e) => {
        e.preventDefault()
        void run(async () => {
          await call((api) => api.account.createUser({ payload: { username, password, isAdmin, ...(email.trim() === "" ? {} : { email: email.trim() }) } }))
          setUsername("")
          setPassword("")
          setEmail("")
          users.reload()
        })
      }}>
        <h2>{t("users.new")}</h2>
        <Field label={t("login.username")}><input name="newUsername" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} /></Field>
        <Field label={t("login.password")}><input name="newPassword" type="password" autocomplete="new-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></Field>
        <Field label={t("users.email")}><input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
        <Field label={t("users.admin")}><input name="isAdmin" type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.currentTarget.checked)} /></Field>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>{t("users.create")}</button>
      </form>
    </section>
  )
}
