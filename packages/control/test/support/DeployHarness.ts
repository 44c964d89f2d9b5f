/**
 * Deploying Vigia on the test engine the way an operator does, for the deployment tests: the images from
 * prepare-engine.sh, commands run with a clean environment, and one seller's path through the deployed bot.
 */
import { assert } from "@effect/vitest"
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Effect, Schema } from "effect"
import * as ChildProcess from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import * as ContainerNames from "../../src/sessions/runtimes/ContainerNames.ts"
import { FakeBotApi, type FakeUser } from "./FakeBotApi.ts"
import { customerWrites, exchange, includes, lastMessageId, newerThan, replaceTable } from "./SellerScript.ts"
import { docker } from "./WorkerHarness.ts"

const repositoryRoot = Url.fileURLToPath(new URL("../../../..", import.meta.url))

/** A file of `infra/`. */
export const infra = (file: string): string => Path.join(repositoryRoot, "infra", file)

export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", {
  command: Schema.String,
  output: Schema.String
}) {
  override get message() {
    return `${this.command} failed:\n${this.output}`
  }
}

/** What every command gets from the test's own environment: where programs are, and which engine. */
const baseEnvironment = (): Record<string, string> =>
  Object.fromEntries(
    ["PATH", "HOME", "DOCKER_HOST", "TMPDIR"].flatMap((name) => {
      const value = process.env[name]
      return value === undefined ? [] : [[name, value] as const]
    })
  )

/**
 * Runs a program from the repository's root with only `environment` besides PATH and HOME (an operator's
 * shell, not the test's), without blocking the event loop the fake Bot API answers on; its output on success.
 */
export const run = (file: string, args: ReadonlyArray<string>, environment: Readonly<Record<string, string>> = {}) =>
  Effect.callback<string, CommandFailed>((resume) => {
    const child = ChildProcess.execFile(
      file,
      args,
      { cwd: repositoryRoot, env: { ...baseEnvironment(), ...environment }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resume(
          error === null
            ? Effect.succeed(`${stdout}${stderr}`)
            : Effect.fail(new CommandFailed({ command: [Path.basename(file), ...args].join(" "), output: `${stdout}${stderr}` }))
        )
    )
    return Effect.sync(() => void child.kill("SIGTERM"))
  })

/** The images of infra/Dockerfile and the offline stand-ins for Redis and PostgreSQL (cached layers when unchanged). */
export const prepareImages = run(infra("scripts/prepare-engine.sh"), [], {
  VIGIA_IMAGE_TARGETS: "session-worker control docker-gate test-redis test-postgres"
})

/** The group of the engine's socket, for the control plane's container to reach it. */
export const dockerGroup = (): string => String(Fs.statSync("/var/run/docker.sock").gid)

/** A suffix that makes a test's project, stack, deployment label and secrets its own. */
export const uniqueName = (name: string): string => `${name}${Crypto.randomBytes(4).toString("hex")}`

/** Writes an env file (`NAME=value` lines) for compose's `env_file`; values may not hold line breaks. */
export const writeEnvFile = (file: string, variables: Readonly<Record<string, string>>) =>
  Effect.sync(() => Fs.writeFileSync(file, Object.entries(variables).map(([name, value]) => `${name}=${value}\n`).join("")))

/** The engine's resources carrying every label given (`key=value`), by kind. */
export const resourcesLabelled = (kind: "container" | "service" | "volume" | "secret", ...labels: ReadonlyArray<string>) => {
  const filters = labels.flatMap((label) => ["--filter", `label=${label}`])
  const args = kind === "container" ? ["ps", "-a", ...filters, "--format", "{{.Names}}"] : [kind, "ls", ...filters, "--format", "{{.Name}}"]
  return Effect.map(docker(...args), (out) => out.split("\n").filter((line) => line !== "").sort())
}

/** Where the account's volume is on this machine: the tests run beside the engine and read it directly. */
const volumeFolder = (phone: PhoneNumber) =>
  docker("volume", "inspect", "--format", "{{.Mountpoint}}", ContainerNames.volumeName(phone))

const group = { id: -1002001001001, title: "Feira de Sábado" } as const

/** A seller with a fresh Telegram id, and the phone number they connect (`+55 11 9…`, from the id). */
export const newSeller = (): { readonly seller: FakeUser; readonly phone: PhoneNumber } => {
  const id = 9_300_000_000 + Crypto.randomInt(1, 99_999_999)
  return {
    seller: { id, first_name: "Dora", username: "dora_vende" },
    phone: Schema.decodeUnknownSync(PhoneNumber)(`55119${String(id).slice(-8)}`)
  }
}

/**
 * One seller's path through a deployed bot: a plan from the admin, `/login` (the control plane starts the
 * account's worker), a group, a price table, then a customer's order is reported exactly once. A second
 * order marks the point by which a duplicate report of the first would have arrived.
 */
export const sellerGetsOneQuote = (seller: FakeUser, phone: PhoneNumber, admin: FakeUser) =>
  Effect.gen(function*() {
    const api = yield* FakeBotApi
    yield* exchange(seller, "/start", includes("Eu sou o Vigia"))
    yield* exchange(admin, `/admin_plano ${seller.id} basic`, includes("Plano Básico concedido"))
    yield* exchange(seller, "/login", includes("número de telefone"))
    yield* exchange(seller, `+55 11 ${phone.slice(4, 9)}-${phone.slice(9)}`, includes("Digite o código"), "90 seconds")
    yield* exchange(seller, "1 2 3 4 5", includes("Seus grupos"))
    yield* exchange(seller, "/ativar feira de sabado", includes(`Grupo ativado: ${group.title}`))
    const replaced = yield* replaceTable(seller, "Coca-Cola 2L = 9,50\nPão de queijo = 1,20 / un")
    assert.include(replaced.text, "Tabela atualizada: 2 produtos")

    const folder = yield* volumeFolder(phone)
    const beforeOrders = yield* lastMessageId(api, seller.id)
    yield* customerWrites(folder, phone, group.id, "Bom dia! 2x coca 2L\n3 pão de queijo")
    const quote = yield* api.awaitMessage(seller.id, newerThan(beforeOrders)(includes(`Pedido em ${group.title}`)), "30 seconds")
    assert.include(quote.text, "R$ 22,60")
    yield* customerWrites(folder, phone, group.id, "1 pão de queijo")
    yield* api.awaitMessage(seller.id, newerThan(quote.message_id)(includes(`Pedido em ${group.title}`)), "30 seconds")
    const reports = (yield* api.messagesIn(seller.id)).filter(newerThan(beforeOrders)(includes("🛒 Pedido")))
    assert.deepStrictEqual(reports.map((report) => report.text.includes("R$ 22,60")), [true, false], "one report per order")
  })

/** What a control plane's logs may never hold: the seller's phone number, the bot's token. */
export const assertNoSecretsIn = (logs: string, phone: PhoneNumber, token: string) => {
  assert.isNotEmpty(logs)
  assert.notInclude(logs, phone, "phone numbers are masked in the logs")
  assert.notInclude(logs, token, "the bot token never reaches the logs")
}
