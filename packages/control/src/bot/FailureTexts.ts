/**
 * What the bot tells a seller when something is refused or fails, in Brazilian Portuguese, keyed by the error's
 * reason: an error's own `message` is English, for the logs, and never reaches the seller.
 */
import { limitsOf, type Plan } from "@vigia/domain/Plan"
import type { InvalidPhoneNumber } from "@vigia/domain/PhoneNumber"
import type { InvalidPriceLine } from "@vigia/domain/PriceTableParser"
import type { ContainerManagerError } from "../sessions/manager/ContainerManager.ts"
import type { SessionUnavailable } from "../sessions/SessionGateway.ts"
import type { GuardRefusal } from "./SubscriptionGuard.ts"
import { groupsCount, groupsLimit, planName, plural } from "./Texts.ts"

/** The account's worker cannot answer now, by the gateway's reason. */
export const sessionUnavailable: Record<SessionUnavailable["reason"], string> = {
  NotRunning:
    "Sua sessão do Telegram está indisponível: sua conta não está conectada ao Vigia no momento. Conecte-a de novo para continuar.",
  WorkerDead:
    "Sua sessão do Telegram está indisponível: ela parou de responder. Tente de novo em alguns instantes; se continuar, conecte sua conta de novo.",
  Timeout: "Sua sessão do Telegram está indisponível: ela não respondeu a tempo. Tente de novo em alguns instantes.",
  QueueUnavailable:
    "Sua sessão do Telegram está indisponível: não conseguimos falar com ela agora. Tente de novo em alguns instantes."
}

const startFailures: Record<ContainerManagerError["reason"]["_tag"], string> = {
  CapacityReached: "o Vigia está com todas as sessões ocupadas agora.",
  TooManyStarts: "muitas sessões estão iniciando ao mesmo tempo.",
  StartTimedOut: "ela demorou demais para iniciar.",
  WorkerDied: "ela parou enquanto iniciava.",
  RuntimeFailed: "o servidor de sessões não conseguiu iniciá-la."
}

/** The container manager could not start the seller's worker, by its reason. */
export const startFailed = (reason: ContainerManagerError["reason"]["_tag"]) =>
  `❌ Não consegui iniciar sua sessão: ${startFailures[reason]} Tente /login de novo em instantes.`

/** What the seller typed is not a phone number, by the reason the domain gives. */
export const invalidPhone: Record<InvalidPhoneNumber["reason"], string> = {
  Empty: "Envie o número de telefone com DDI e DDD, por exemplo +55 11 91234-5678.",
  InvalidCharacters: "O número só pode ter dígitos, espaços, pontos, traços, parênteses e o + inicial.",
  TooShort: "Esse número está curto demais. Envie com DDI e DDD, por exemplo +55 11 91234-5678.",
  TooLong: "Esse número tem dígitos demais: um número internacional tem no máximo 15 dígitos.",
  InvalidCountryCode: "O código do país não pode começar com 0. Envie com DDI, por exemplo +55 11 91234-5678."
}

const lapsedNote = (lapsedPlan: Plan | null) =>
  lapsedPlan === null
    ? ""
    : ` Sua assinatura ${planName[lapsedPlan]} não está ativa ou venceu; renove para voltar a ter os recursos dela.`

/** What upgrading from `plan` gives and where to buy it, or where to look when there is nothing to upgrade to. */
const upgradeFrom = (plan: Plan): string =>
  plan === "free"
    ? `Com o plano ${planName.basic} você conecta sua conta do Telegram, ativa ${
      groupsCount(limitsOf.basic.maxActiveGroups)
    } e usa respostas automáticas nos grupos; com o ${planName.premium}, ${
      groupsCount(limitsOf.premium.maxActiveGroups)
    }. Assine em /plano.`
    : plan === "basic"
    ? `Com o plano ${planName.premium} você tem ${groupsLimit(limitsOf.premium.maxActiveGroups)}: assine em /plano.`
    : "Use /plano para ver o que a sua assinatura inclui."

/** The plan in force (`plan`) refuses: connecting an account, one more group (past `limit`), automatic replies. */
export type PlanRefusal =
  | { readonly _tag: "SessionNotAllowed" }
  | { readonly _tag: "GroupLimitReached"; readonly limit: number }
  | { readonly _tag: "AdvancedFeaturesNotAllowed" }

export const planRefused = (refusal: PlanRefusal, plan: Plan, lapsedPlan: Plan | null): string => {
  const note = lapsedNote(lapsedPlan)
  switch (refusal._tag) {
    case "SessionNotAllowed":
      return `Seu plano ${planName[plan]} não permite conectar uma conta do Telegram.${note} ${upgradeFrom(plan)}`
    case "GroupLimitReached":
      return `O plano ${planName[plan]} permite ${groupsLimit(refusal.limit)} e você já chegou a esse limite.${note} ` +
        `Desative um grupo para ativar outro. ${upgradeFrom(plan)}`
    case "AdvancedFeaturesNotAllowed":
      return `Respostas automáticas nos grupos não estão disponíveis no plano ${planName[plan]}.${note} ${upgradeFrom(plan)}`
  }
}

/** Why a line of a price table was not read, by the parser's reason. */
const priceLineProblem: Record<InvalidPriceLine["reason"], string> = {
  MissingName: "falta o nome do produto antes do preço.",
  MissingPrice: "não encontrei o preço. Escreva nome = preço, por exemplo Coca-Cola 2L = 9,50.",
  InvalidPrice: "o preço não é um valor válido. Escreva, por exemplo, 9,50.",
  UnknownUnit: "não conheço a unidade. Use un, kg, g, l, ml, cx, dz ou pct.",
  DuplicateProduct: "esse produto já aparece numa linha anterior; cada produto entra uma vez só."
}

const clip = (text: string) => (text.trim().length > 40 ? `${text.trim().slice(0, 39)}…` : text.trim())

/** The lines of a new price table that were not read, each with its text and why. */
export const tableRejectedLines = (errors: ReadonlyArray<Pick<InvalidPriceLine, "line" | "text" | "reason">>) =>
  `⚠️ ${plural(errors.length, "linha ignorada", "linhas ignoradas")}:\n` +
  errors.slice(0, 20).map((error) => `linha ${error.line} (“${clip(error.text)}”): ${priceLineProblem[error.reason]}`).join("\n") +
  (errors.length > 20 ? `\n… e mais ${errors.length - 20}.` : "")

export const tableNothingValid =
  "Não encontrei nenhum produto válido. A tabela atual foi mantida: envie a tabela de novo, ou /cancelar para desistir."

const itemProblem: Record<InvalidPriceLine["reason"], string> = {
  MissingName: "Falta o nome do produto antes do preço.",
  MissingPrice: "Não encontrei o preço no fim do que você escreveu.",
  InvalidPrice: "O preço não é um valor válido: escreva, por exemplo, 9,50.",
  UnknownUnit: "Não conheço essa unidade: use un, kg, g, l, ml, cx, dz ou pct.",
  DuplicateProduct: "Escreva um produto só."
}

/** What was typed after `/preco` is not a product and a price, by the parser's reason. */
export const itemRefused = (reason: InvalidPriceLine["reason"]) =>
  `❌ ${itemProblem[reason]} Use: /preco <produto> <preço>, por exemplo /preco Coca-Cola 2L 9,50.`
export const tableFileTooLarge = "Esse arquivo é grande demais para uma tabela de preços (máximo 1 MB)."
export const tableSpreadsheetFile =
  "Esse arquivo é uma planilha, não um CSV. Na planilha, use “Salvar como” → CSV e envie o arquivo .csv (ou cole a tabela como texto)."

/** A change to a group that is not (or no longer) active. */
export const groupNotActive = "Esse grupo não está ativo no Vigia."

export const adminOnly = "Esse comando é só para administradores."

/** The subscription guard refused a command, by its reason. */
export const guardRefused = (reason: GuardRefusal["reason"]): string =>
  reason._tag === "AdminOnly" ? adminOnly : planRefused({ _tag: "SessionNotAllowed" }, reason.plan, reason.lapsedPlan)

/** What Telegram's answer to a login step means for the seller (read from the worker's error by the login feature). */
export type LoginRefusal =
  | "PhoneNumberInvalid"
  | "PhoneNumberBanned"
  | "CodeInvalid"
  | "EmailCodeInvalid"
  | "PasswordInvalid"
  | "CodeExpired"
  | "TooManyAttempts"
  | "Refused"

export const tooManyAttempts = (seconds: number | undefined) =>
  `⛔ Muitas tentativas. O Telegram pediu para esperar${
    seconds === undefined ? " um pouco" : ` ${formatWait(seconds)}`
  }. Depois use /login de novo.`

export const codeExpired = "⌛ Esse código expirou. Toque em “Reenviar código” para receber outro."

/** Telegram refused a login step the seller cannot retry as it is (`code` and `retryAfter` from its answer). */
export const loginRefused = (refusal: LoginRefusal, code: number, retryAfter: number | undefined): string => {
  switch (refusal) {
    case "PhoneNumberInvalid":
      return "O Telegram não reconheceu esse número. Confira e use /login de novo."
    case "PhoneNumberBanned":
      return "O Telegram informou que esse número está banido."
    case "CodeExpired":
      return codeExpired
    case "TooManyAttempts":
      return tooManyAttempts(retryAfter)
    default:
      return `O Telegram recusou esse passo (erro ${code}). Confira os dados e use /login de novo.`
  }
}

const formatWait = (seconds: number) =>
  seconds < 60
    ? plural(seconds, "segundo", "segundos")
    : seconds < 3600
    ? plural(Math.ceil(seconds / 60), "minuto", "minutos")
    : plural(Math.ceil(seconds / 3600), "hora", "horas")
