/**
 * Checks the whole configuration before anything starts: every variable of every area is read once, and every
 * problem is reported at once, one line each, instead of failing on the first.
 */
import { Config, Effect, Schema, SchemaIssue } from "effect"

export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  lines: Schema.Array(Schema.String)
}) {}

/** Configs grouped by area: each leaf one variable, or one rule over several. */
export type ConfigTree = Config.Config<unknown> | { readonly [key: string]: ConfigTree }

const leaves = (tree: ConfigTree): ReadonlyArray<Config.Config<unknown>> =>
  Config.isConfig(tree) ? [tree] : Object.values(tree).flatMap(leaves)

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** `NAME: what is wrong`, in the hint's words when the variable has one. */
const describe = (error: Config.ConfigError, hints: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const cause = error.cause
  if (!Schema.isSchemaError(cause)) return [cause.message]
  return formatIssue(cause.issue).issues.map(({ message, path }) => {
    const name = (path ?? []).map(String).join(".")
    return `${name}: ${hints[name] ?? message}`
  })
}

/** Reads every leaf of `tree`; fails with one line per problem, each prefixed `invalid configuration:`. */
export const check = (tree: ConfigTree, hints: Readonly<Record<string, string>> = {}) =>
  Effect.gen(function*() {
    const results = yield* Effect.forEach(leaves(tree), (config) => Effect.result(config))
    const problems = results.flatMap((result) => result._tag === "Failure" ? describe(result.failure, hints) : [])
    const lines = [...new Set(problems)].map((problem) => `invalid configuration: ${problem}`)
    if (lines.length > 0) return yield* new InvalidConfiguration({ lines })
  })
