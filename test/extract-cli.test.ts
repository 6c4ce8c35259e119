import { describe, expect, it } from "@effect/vitest"
import iconv from "iconv-lite"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { runMwi, runMwiProcess } from "./support/cli.js"

// `mwi extract` on pages written here: no database is configured, none must be needed. The first case runs the real
// binary (its extraction workers are the bundled ones), the others run in this process.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-extract-"))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
const env = { MWI_DATABASE_URL: "", MWI_DATA_DIR: path.join(tmp, "no-database-here") }

const SENTENCE = "Les chercheurs constituent leurs corpus avec des robots qui parcourent le web de lien en lien, " +
  "collectent les pages et en extraient le texte pour dessiner la carte des sites qui se citent."

const article = (title: string, extra = "") =>
  `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head><body>` +
  `<nav><a href="/">Accueil</a> <a href="/rubriques">Rubriques</a></nav>` +
  `<article><h1>${title}</h1>` +
  Array.from({ length: 6 }, (_, i) => `<p>${SENTENCE} Paragraphe ${i + 1}.</p>`).join("") +
  `<p>Voir <a href="suite.html">la suite de l'enquête</a>.</p>${extra}</article>` +
  `<footer>Mentions légales</footer></body></html>`

const write = (file: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, content)
}

const listFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((entry) => fs.statSync(path.join(dir, entry)).isFile())
    .map((entry) => entry.split(path.sep).join("/"))
    .sort()

describe("mwi extract", () => {
  const input = path.join(tmp, "pages")
  write(path.join(input, "enquete.html"), article("Les robots des chercheurs"))
  write(path.join(input, "archives/2024/ancien.htm"), article("Un ancien article"))
  // Latin-1 declared only by <meta>: a saved page has no HTTP header to say it.
  write(path.join(input, "latin1.html"), iconv.encode(
    article("Été météo").replace(`<meta charset="utf-8">`, `<meta http-equiv="content-type" content="text/html; charset=iso-8859-1">`),
    "latin1"
  ))
  write(path.join(input, "vide.html"), "<html><body></body></html>")
  write(path.join(input, "notes.txt"), "not a page")
  const urlMap = path.join(tmp, "urls.csv")
  write(urlMap, "file,url\n# saved on 2024-03-05\nenquete.html,https://journal.example/2024/enquete\n")

  it("writes one Markdown file per page, subfolders mirrored, the title as a heading, links resolved", async () => {
    const output = path.join(tmp, "markdown")
    const run = await runMwiProcess(["extract", "--input-dir", input, "--output-dir", output, "--url-map", urlMap], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Extracted 4 HTML files from .* as markdown: 4 ok \(1 empty\), 0 failed; [\d.]+ ms\/page/)
    expect(listFiles(output)).toEqual(["archives/2024/ancien.md", "enquete.md", "latin1.md", "vide.md"])

    const enquete = fs.readFileSync(path.join(output, "enquete.md"), "utf8")
    expect(enquete.startsWith("# Les robots des chercheurs\n\n")).toBe(true)
    expect(enquete.match(/^# Les robots des chercheurs$/gm)).toHaveLength(1)
    expect(enquete).toContain(`${SENTENCE} Paragraphe 6.`)
    expect(enquete).toContain("[la suite de l'enquête](https://journal.example/2024/suite.html)")
    expect(enquete).not.toContain("Accueil")
    expect(enquete).not.toContain("Mentions légales")

    // Not in the map: the Markdown holds http(s) links only, so a relative link stays as its text.
    const ancien = fs.readFileSync(path.join(output, "archives/2024/ancien.md"), "utf8")
    expect(ancien).toContain("Voir la suite de l'enquête.")
    expect(ancien).not.toContain("suite.html")

    expect(fs.readFileSync(path.join(output, "latin1.md"), "utf8")).toMatch(/^# Été météo\n/)
    expect(fs.readFileSync(path.join(output, "vide.md"), "utf8")).toBe("")
  })

  it("writes the readable text with --format text and reports as JSON", async () => {
    const output = path.join(tmp, "text")
    const run = await runMwi(["extract", "--input-dir", input, "--output-dir", output, "--format", "text", "--json"], env)
    expect(run.code).toBe(0)
    const summary = JSON.parse(run.stdout)
    expect(summary).toMatchObject({ format: "text", files: 4, ok: 4, failed: 0, empty: 1, failures: [] })
    expect(summary.msPerPage).toBeGreaterThan(0)
    const text = fs.readFileSync(path.join(output, "enquete.txt"), "utf8")
    expect(text.split("\n")).toContain(`${SENTENCE} Paragraphe 1.`)
    expect(text).not.toContain("#")
    expect(text).not.toContain("](")
    expect(fs.readFileSync(path.join(output, "latin1.txt"), "utf8")).toContain("Voir la suite de l'enquête.")
  })

  it("reports a file that fails, still writes the others, and exits with code 1", async () => {
    const dir = path.join(tmp, "with-broken")
    write(path.join(dir, "bon.html"), article("Un bon article"))
    fs.symlinkSync(path.join(tmp, "nowhere.html"), path.join(dir, "casse.html"))
    // An output folder inside the input folder is never read as input, nor are the folders named like pages.
    write(path.join(dir, "out/ancienne-sortie.html"), article("Une ancienne sortie"))
    fs.mkdirSync(path.join(dir, "dossier.html"))
    // Links are followed, each real folder once: a link to a parent is no endless tree.
    fs.symlinkSync(dir, path.join(dir, "boucle"))
    const output = path.join(dir, "out")
    const run = await runMwi(["extract", "--input-dir", dir, "--output-dir", output], env)
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toBe("mwi: cannot extract casse.html: no such file")
    expect(run.stdout).toContain("2 HTML files")
    expect(run.stdout).toContain("1 ok (0 empty), 1 failed")
    // Written through a temporary file renamed into place: none is left behind.
    expect(listFiles(output)).toEqual(["ancienne-sortie.html", "bon.md"])
  })

  it("fails with one line on a bad input folder or URL map", async () => {
    const output = path.join(tmp, "unused")
    const badMap = path.join(tmp, "bad.csv")
    write(badMap, "file,url\nenquete.html,https://journal.example/a\nvide.html,journal.example/vide\n")
    const duplicate = path.join(tmp, "duplicate.csv")
    write(duplicate, "enquete.html,https://journal.example/a\n./enquete.html,https://journal.example/b\n")
    const cases: Array<[Array<string>, string]> = [
      [["--input-dir", path.join(tmp, "missing")], `mwi: cannot read ${path.join(tmp, "missing")}: no such folder`],
      [["--input-dir", urlMap], `mwi: cannot read ${urlMap}: not a folder`],
      [["--input-dir", input, "--url-map", path.join(tmp, "none.csv")], `mwi: cannot read ${path.join(tmp, "none.csv")}: no such file`],
      [["--input-dir", input, "--url-map", badMap],
        `mwi: invalid --url-map line 3: expected "file,url" with an absolute URL, got "vide.html,journal.example/vide"`],
      [["--input-dir", input, "--url-map", duplicate],
        `mwi: invalid --url-map line 2: "enquete.html" is already mapped on an earlier line`]
    ]
    for (const [args, message] of cases) {
      const run = await runMwi(["extract", ...args, "--output-dir", output], env)
      expect(run.stderr.trim()).toBe(message)
      expect(run.code).toBe(1)
    }
    expect(fs.existsSync(output)).toBe(false)
    const usage = await runMwi(["extract", "--input-dir", input, "--output-dir", output, "--format", "pdf"], env)
    expect(usage.code).toBe(2)
  })
})
