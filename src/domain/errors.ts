import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// Every failure a user can meet, with the one line the CLI prints and the API returns as `message`; those the API
// can return carry their HTTP status.

export class LandNotFound extends Schema.TaggedError<LandNotFound>()("LandNotFound", {
  land: Schema.Union(Schema.String, Schema.Number),
  /** The database looked in, as the CLI names it (the API leaves it out: it has one). */
  database: Schema.optional(Schema.String)
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() {
    const what = typeof this.land === "number" ? `no land with id ${this.land}` : `no land named "${this.land}"`
    return this.database === undefined ? what : `${what} in ${this.database}`
  }
}

export class DuplicateLand extends Schema.TaggedError<DuplicateLand>()("DuplicateLand", { name: Schema.String }, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `a land named "${this.name}" already exists`
  }
}

export class AmbiguousLandName extends Schema.TaggedError<AmbiguousLandName>()("AmbiguousLandName", {
  name: Schema.String,
  ids: Schema.Array(Schema.Number),
  /** Each land's owner, in the order of `ids` (null: a land without owner). */
  owners: Schema.optional(Schema.Array(Schema.NullOr(Schema.String)))
}) {
  override get message() {
    const lands = this.ids.map((id, i) => `id ${id}${this.owners?.[i] ? ` of ${this.owners[i]}` : ""}`)
    const owner = this.owners?.find((o) => o !== null)
    return `several lands are named "${this.name}" (${lands.join(", ")}): pick one with --id ${this.ids[0]}` +
      (owner === undefined ? "" : ` or --name ${owner}/${this.name}`)
  }
}

/** A request or command argument that does not have the required form; `field` names it. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  field: Schema.String,
  reason: Schema.String
}, HttpApiSchema.annotations({ status: 400 })) {
  override get message() {
    return `invalid ${this.field}: ${this.reason}`
  }
}

export class InvalidUrl extends Schema.TaggedError<InvalidUrl>()("InvalidUrl", {
  input: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid URL "${this.input}": ${this.reason}`
  }
}

export class FileUnreadable extends Schema.TaggedError<FileUnreadable>()("FileUnreadable", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot read ${this.path}: ${this.reason}`
  }
}

export class DataDirLocked extends Schema.TaggedError<DataDirLocked>()("DataDirLocked", {
  dataDir: Schema.String,
  pid: Schema.Number
}) {
  override get message() {
    return `the data folder ${this.dataDir} is in use by another mwi process (pid ${this.pid}); stop it or set MWI_DATA_DIR to another folder`
  }
}

export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  target: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot open the database ${this.target}: ${this.reason}`
  }
}

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", { id: Schema.Number }, HttpApiSchema.annotations({ status: 404 })) {
  override get message() {
    return `no job with id ${this.id}`
  }
}

export class ExpressionNotFound extends Schema.TaggedError<ExpressionNotFound>()("ExpressionNotFound", {
  id: Schema.Number
}, HttpApiSchema.annotations({ status: 404 })) {
  override get message() {
    return `no expression with id ${this.id}`
  }
}

/** A job asked to run while another job of the same land is running (two crawls would fight over one frontier). */
export class JobAlreadyRunning extends Schema.TaggedError<JobAlreadyRunning>()("JobAlreadyRunning", {
  landId: Schema.Number,
  jobId: Schema.Number
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `job ${this.jobId} is already running on land ${this.landId}`
  }
}

export class JobNotRunning extends Schema.TaggedError<JobNotRunning>()("JobNotRunning", {
  id: Schema.Number,
  status: Schema.String
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `job ${this.id} is ${this.status}, not running in this server`
  }
}

export class JobNotResumable extends Schema.TaggedError<JobNotResumable>()("JobNotResumable", {
  id: Schema.Number,
  kind: Schema.String,
  status: Schema.String
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `job ${this.id} (${this.kind}) is ${this.status}; only interrupted, cancelled or failed crawl, media and readable jobs can be resumed`
  }
}

/** A query that failed while serving a request; its cause is logged, never returned (it may name the server). */
export class DatabaseError extends Schema.TaggedError<DatabaseError>()("DatabaseError", {}, HttpApiSchema.annotations({ status: 503 })) {
  override get message() {
    return "the database is unavailable"
  }
}

/** One page `mwi extract` could not read or write; the run goes on with the others. */
export class PageNotExtracted extends Schema.TaggedError<PageNotExtracted>()("PageNotExtracted", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot extract ${this.file}: ${this.reason}`
  }
}
