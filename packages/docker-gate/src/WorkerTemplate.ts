/**
 * The one shape of session worker the gate lets through, as the `docker` and `swarm` runtimes build it: the
 * worker image, Vigia's labels, bounded memory and pids, the account's own named volume, no privilege, no host
 * mount, no host namespace, no added capability, the configured network. Every body is decoded strictly: a field
 * the template does not name (`Privileged`, `Binds`, `PidMode`, `CapAdd`, `Devices`, a lower-case twin that
 * Docker's case-insensitive decoder would accept…) is a refusal, and only the decoded value is sent on.
 */
import { Predicate, Result, Schema, SchemaIssue } from "effect"
import { isDeepStrictEqual } from "node:util"

export interface WorkerTemplate {
  /** The worker image's name; a Swarm service may also name it by its id on the engine. */
  readonly image: string
  /** The `org.vigia.deployment` label every resource must carry. */
  readonly deployment: string
  /** The only network a worker may join. */
  readonly network: string
  readonly maxMemoryBytes: number
  readonly maxPids: number
}

/**
 * The variables a worker may be given: the session worker's own (its `WorkerConfig`). Nothing that changes what
 * runs (`NODE_OPTIONS`, `LD_PRELOAD`…): code injected into a worker could copy the account's TDLib session.
 */
export const workerVariables: ReadonlyArray<string> = [
  "PHONE_NUMBER",
  "DATA_DIR",
  "CONTAINER_ID",
  "SESSION_KEY",
  "HEARTBEAT_INTERVAL",
  "COMMAND_TIMEOUT",
  "TELEGRAM_API_ID",
  "TELEGRAM_API_HASH",
  "TDL_DATABASE_ENCRYPTION_KEY",
  "TDL_PREVIOUS_DATABASE_ENCRYPTION_KEY",
  "TDL_NETWORK",
  "FAKE_TDL_PORT",
  "FAKE_TDL_SCRIPT",
  "TDL_DRIVER",
  "REDIS_URL",
  "QUEUE_PREFIX",
  "LOG_FORMAT",
  "POOL_ID",
  "POOL_KEY",
  "POOL_ROSTER_INTERVAL"
]

const phone = "[1-9][0-9]{7,14}"
/**
 * A pool of accounts is named as an account is, with digits under the calling code 999, which no country has:
 * `999`, its deployment's three-digit space, its six-digit index.
 */
const poolPattern = /^(999[0-9]{3})([0-9]{6})$/
/** Whose volume every pool of a space mounts (index 0): the pooled accounts' folders. */
const poolsDataOf = (space: string) => `${space}000000`
export const workerNamePattern = new RegExp(`^vigia-session-(${phone})$`)
export const volumeNamePattern = new RegExp(`^vigia-session-(${phone})-data$`)
export const secretNamePattern = new RegExp(`^vigia-session-(${phone})-[0-9a-f]{16}$`)

/** A placement constraint as the runtimes write them: the deployment's (`node.labels.vigia==true`) or a pin (`node.id==…`). */
export const constraintPattern = /^[A-Za-z0-9._-]+ *(==|!=) *[A-Za-z0-9._-]+$/

const matching = (pattern: RegExp) => Schema.String.check(Schema.isPattern(pattern))
const between = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

export const roleLabel = "org.vigia.role"
export const deploymentLabel = "org.vigia.deployment"

/** An env file line or a `NAME=value` entry, whose name is one of the worker's variables. */
const isWorkerVariable = (entry: string) => workerVariables.includes(/^([A-Z][A-Z0-9_]*)=/.exec(entry)?.[1] ?? "")

const schemas = (template: WorkerTemplate, imageId: string) => {
  const accountLabels = {
    [roleLabel]: Schema.Literal("session-worker"),
    [deploymentLabel]: Schema.Literal(template.deployment),
    "org.vigia.account": matching(/^[0-9a-f]{32}$/)
  }
  const Labels = Schema.Struct({ ...accountLabels, "org.vigia.config-hash": matching(/^[0-9a-f]{16}$/) })
  const AccountLabels = Schema.Struct(accountLabels)
  const Env = Schema.Array(
    Schema.String.check(Schema.makeFilter(isWorkerVariable, { expected: "one of the worker's variables" }))
  )
  const memory = between(6 * 1024 * 1024, template.maxMemoryBytes)
  const pids = between(1, template.maxPids)
  const logOptions = Schema.Struct({ "max-size": matching(/^[0-9]{1,4}[km]$/), "max-file": matching(/^[0-9]{1,2}$/) })
  const tmpfsBytes = between(1, 256 * 1024 * 1024)

  const container = Schema.Struct({
    Image: Schema.Literal(template.image),
    Env,
    Labels,
    User: Schema.Literal("1000:1000"),
    StopSignal: Schema.Literal("SIGTERM"),
    StopTimeout: between(0, 600),
    HostConfig: Schema.Struct({
      Init: Schema.Literal(true),
      NetworkMode: Schema.Literal(template.network),
      Mounts: Schema.Tuple([
        Schema.Struct({
          Type: Schema.Literal("volume"),
          Source: matching(volumeNamePattern),
          Target: Schema.Literal("/user-data")
        })
      ]),
      RestartPolicy: Schema.Struct({ Name: Schema.Literal("on-failure"), MaximumRetryCount: between(0, 100) }),
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: pids,
      ReadonlyRootfs: Schema.Literal(true),
      Tmpfs: Schema.Struct({ "/tmp": matching(/^rw,noexec,nosuid,size=[0-9]{1,10}$/) }),
      CapDrop: Schema.Tuple([Schema.Literal("ALL")]),
      SecurityOpt: Schema.Tuple([Schema.Literal("no-new-privileges")]),
      LogConfig: Schema.Struct({ Type: Schema.Literal("json-file"), Config: logOptions })
    })
  })

  const volumeMount = Schema.Struct({
    Type: Schema.Literal("volume"),
    Source: matching(volumeNamePattern),
    Target: Schema.Literal("/user-data"),
    VolumeOptions: Schema.Struct({
      NoCopy: Schema.Literal(false),
      Labels: AccountLabels,
      DriverConfig: Schema.Struct({ Name: Schema.Literal("local"), Options: Schema.Record(Schema.String, Schema.Never) })
    })
  })
  const tmpfsMount = Schema.Struct({
    Type: Schema.Literal("tmpfs"),
    Source: Schema.Literal(""),
    Target: Schema.Literal("/tmp"),
    TmpfsOptions: Schema.Struct({ SizeBytes: tmpfsBytes, Mode: Schema.Literal(0o1777) })
  })

  const service = Schema.Struct({
    Name: matching(workerNamePattern),
    Labels,
    Mode: Schema.Struct({ Replicated: Schema.Struct({ Replicas: Schema.Literal(1) }) }),
    TaskTemplate: Schema.Struct({
      ContainerSpec: Schema.Struct({
        Image: Schema.Literals([template.image, imageId]),
        Labels,
        Env,
        Secrets: Schema.Tuple([Schema.Struct({
          SecretID: matching(/^[0-9a-z]{1,64}$/),
          SecretName: matching(secretNamePattern),
          File: Schema.Struct({
            Name: Schema.Literal("worker.env"),
            UID: Schema.Literal("1000"),
            GID: Schema.Literal("1000"),
            Mode: Schema.Literal(0o400)
          })
        })]),
        User: Schema.Literal("1000:1000"),
        Init: Schema.Literal(true),
        ReadOnly: Schema.Literal(true),
        StopSignal: Schema.Literal("SIGTERM"),
        StopGracePeriod: between(0, 600_000_000_000),
        CapabilityDrop: Schema.Tuple([Schema.Literal("ALL")]),
        Mounts: Schema.Tuple([volumeMount, tmpfsMount])
      }),
      Resources: Schema.Struct({ Limits: Schema.Struct({ MemoryBytes: memory, Pids: pids }) }),
      RestartPolicy: Schema.Struct({
        Condition: Schema.Literal("on-failure"),
        Delay: between(0, 3_600_000_000_000),
        MaxAttempts: between(0, 100)
      }),
      Placement: Schema.Struct({ Constraints: Schema.Array(matching(constraintPattern)) }),
      Networks: Schema.Tuple([Schema.Struct({ Target: Schema.Literal(template.network) })]),
      LogDriver: Schema.Struct({ Name: Schema.Literal("json-file"), Options: logOptions })
    })
  })

  const volume = Schema.Struct({ Name: matching(volumeNamePattern), Labels: AccountLabels })

  const secret = Schema.Struct({
    Name: matching(secretNamePattern),
    Labels: AccountLabels,
    Data: matching(/^[A-Za-z0-9+/]*={0,2}$/)
  })

  return { container, service, volume, secret }
}

/** A body the template accepts (as decoded: only what it names), or why it refuses it. */
export type Checked = Result.Result<unknown, string>

const strict = { onExcessProperty: "error" } as const
const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

const decode = <A>(schema: Schema.ConstraintDecoder<A>, body: unknown): Result.Result<A, string> =>
  Result.mapError(
    Schema.decodeUnknownResult(schema, strict)(body),
    (error) =>
      formatIssue(error.issue).issues.map(({ message, path }) => `${(path ?? []).map(String).join(".")}: ${message}`)
        .join("; ")
  )

/** `value`, unless `rule` names what it breaks. */
const holding = <A>(value: A, rule: string | undefined): Result.Result<A, string> =>
  rule === undefined ? Result.succeed(value) : Result.fail(rule)

/** The phone number a name carries, to hold one resource to one account. */
const phoneIn = (pattern: RegExp, name: string | undefined) => (name === undefined ? undefined : pattern.exec(name)?.[1])

/** The volume a worker named for `account` mounts: its own, or a pool's, the pools' one. */
const volumeOf = (account: string | undefined) => {
  const pool = account === undefined ? null : poolPattern.exec(account)
  return pool === null || Number(pool[2]) === 0 ? account : poolsDataOf(pool[1]!)
}

/** The account's secrets as the Swarm runtime writes them: an env file of the worker's variables only. */
const onlyWorkerVariables = (data: string) =>
  Buffer.from(data, "base64").toString("utf8").split("\n").filter((line) => line !== "").every(isWorkerVariable)

/** The checks of each kind of body; `imageId` is the worker image's id on the engine. */
export const checks = (template: WorkerTemplate, imageId: string) => {
  const schema = schemas(template, imageId)
  return {
    /** A container named `name` (the query's), whose volume is the same account's and which gets no swap. */
    container: (body: unknown, name: string | undefined): Checked =>
      Result.flatMap(decode(schema.container, body), (value) => {
        const account = phoneIn(workerNamePattern, name)
        const { HostConfig } = value
        return holding(
          value,
          HostConfig.Memory !== HostConfig.MemorySwap
            ? "HostConfig.MemorySwap must equal HostConfig.Memory (no swap)"
            : account === undefined || volumeOf(account) !== phoneIn(volumeNamePattern, HostConfig.Mounts[0].Source)
            ? "the container's name and its volume must be one account's (a pool's: the pools')"
            : undefined
        )
      }),
    /** A service whose volume and secret are its own account's, its task labelled as the service. */
    service: (body: unknown): Checked =>
      Result.flatMap(decode(schema.service, body), (value) => {
        const account = phoneIn(workerNamePattern, value.Name)
        const spec = value.TaskTemplate.ContainerSpec
        return holding(
          value,
          phoneIn(volumeNamePattern, spec.Mounts[0].Source) !== volumeOf(account)
            ? "the service's volume must be its account's (a pool's: the pools')"
            : phoneIn(secretNamePattern, spec.Secrets[0].SecretName) !== account
            ? "the service's secret must be its account's"
            : JSON.stringify(spec.Labels) !== JSON.stringify(value.Labels)
            ? "the task's labels must be the service's"
            : undefined
        )
      }),
    volume: (body: unknown): Checked => decode(schema.volume, body),
    /** A secret holding only the worker's variables. */
    secret: (body: unknown): Checked =>
      Result.flatMap(decode(schema.secret, body), (value) =>
        holding(value, onlyWorkerVariables(value.Data) ? undefined : "a worker's secret may hold only the worker's variables"))
  }
}

/** A service's spec with its placement constraints left out (kept in the result of an `Object` only). */
const withoutConstraints = (spec: unknown): unknown => {
  if (!Predicate.isObject(spec) || !Predicate.isObject(spec.TaskTemplate)) return spec
  const placement = Predicate.isObject(spec.TaskTemplate.Placement) ? spec.TaskTemplate.Placement : {}
  const { Constraints: _, ...rest } = placement
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, Placement: rest } }
}

/**
 * An update of a worker service that changes only its placement constraints (the Swarm runtime pins a service to
 * the node holding its volume, and moves it off a drained one): `body` is `current` but for them, and each is a
 * constraint as the runtimes write them.
 */
export const placementUpdate = (current: unknown, body: unknown): Checked => {
  const template = Predicate.isObject(body) && Predicate.isObject(body.TaskTemplate) ? body.TaskTemplate : undefined
  const placement = template !== undefined && Predicate.isObject(template.Placement) ? template.Placement : undefined
  const constraints = placement?.Constraints ?? []
  if (!Array.isArray(constraints) || !constraints.every((c) => typeof c === "string" && constraintPattern.test(c))) {
    return Result.fail("TaskTemplate.Placement.Constraints: each must be a constraint such as node.id==<id>")
  }
  return isDeepStrictEqual(withoutConstraints(body), withoutConstraints(current))
    ? Result.succeed(body)
    : Result.fail("an update of a worker service may change only its placement constraints")
}
