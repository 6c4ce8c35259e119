import * as fs from "node:fs"
import * as inspector from "node:inspector"
import * as path from "node:path"

const post = <T>(session: inspector.Session, method: string, params?: object) =>
  new Promise<T>((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)))
  )

/**
 * A CPU profile of this thread through the inspector, the same data `node --cpu-prof` writes; in-process, so the
 * profiled crawl is one of the benchmark's own, on the same site.
 */
export const startProfiler = async () => {
  const session = new inspector.Session()
  session.connect()
  await post(session, "Profiler.enable")
  await post(session, "Profiler.setSamplingInterval", { interval: 500 })
  await post(session, "Profiler.start")
  return {
    /** Writes the profile to bench/results/<name>.cpuprofile and returns its path. */
    stop: async (name: string) => {
      const { profile } = await post<{ profile: unknown }>(session, "Profiler.stop")
      session.disconnect()
      const dir = new URL("./results/", import.meta.url).pathname
      fs.mkdirSync(dir, { recursive: true })
      const file = path.join(dir, `${name}.cpuprofile`)
      fs.writeFileSync(file, JSON.stringify(profile))
      return file
    }
  }
}
