import * as fs from "node:fs"
import * as path from "node:path"

/**
 * `from` recreated at `to` with hard links to its files: a copy that writes no data, for files nobody writes into
 * (npm replaces a package's files rather than rewriting them; PostgreSQL writes no database but the one it serves).
 */
export const linkTree = (from: string, to: string) => {
  fs.mkdirSync(to)
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)]
    if (entry.isDirectory()) linkTree(source, target)
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target)
    else fs.linkSync(source, target)
  }
}
