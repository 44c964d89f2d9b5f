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

/** Why the seller's session did not start, and what to do, by the manager's reason. */
const startFailures: Record<ContainerManagerError["reason"]["_tag"], string> = {
  CapacityReached:
    "o Vigia chegou ao limite de sessões conectadas ao mesmo tempo. Tente /login de novo mais tarde; se precisar " +
    "com urgência, fale com o suporte.",
  StartQueueTimedOut: "a fila de sessões iniciando demorou demais para chegar à sua vez. Tente /login de novo em alguns minutos.",
  StartTimedOut: "ela demorou demais para iniciar. Tente /login de novo em instantes.",
  WorkerDied: "ela parou enquanto iniciava. Tente /login de novo em instantes.",
  RuntimeFailed: "o servidor de sessões não conseguiu iniciá-la. Tente /login de novo em instantes."
}

/** The container manager could not start the seller's worker, by its reason. */
export const startFailed = (reason: ContainerManagerError["reason"]["_tag"]) =>
  `❌ Não consegui iniciar sua sessão: ${startFailures[reason]}`

/** What the seller typed is not a phone number, by the reason the domain gives. */
export const invalidPhone: Record<InvalidPhoneNumber["reason"], string> = {
  Empty: "Envie o número de telefone com DDD, por exemplo 11 91234-5678 (ou com DDI: +55 11 91234-5678).",
  InvalidCharacters: "O número só pode ter dígitos, espaços, pontos, traços, parênteses e o + inicial.",
  TooShort: "Esse número está curto demais. Envie com DDD, por exemplo 11 91234-5678 (ou com DDI: +55 11 91234-5678).",
  TooLong: "Esse número tem dígitos demais para um telefone do país dele. Confira e envie de novo.",
  InvalidCountryCode: "Não conheço esse código de país (DDI). Confira e envie de novo, por exemplo +55 11 91234-5678.",
  NotInUse:
    "Esse número não existe no plano de numeração do país dele. Confira o DDD e os dígitos (um celular no Brasil tem 9 " +
    "dígitos depois do DDD e começa com 9) e envie de novo."
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

// Logins: the rate limit, numbers in use, a login that ran out of time or cannot finish here.

/** The seller started as many logins as the window allows; the next one may start at `retryAt`. */
export const loginRateLimited = (retryAt: Date, now: Date) =>
  `⛔ Você já tentou conectar uma conta muitas vezes em pouco tempo. Tente /login de novo em ${
    formatWait(Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000)))
  }.`

/** The seller's account `masked` is still connected: another number needs a logout first. */
export const otherNumberConnected = (masked: string) =>
  `Sua conta do Telegram ${masked} ainda está ligada ao Vigia. Use /logout para desconectá-la antes de conectar outro número.`

/** A login that did not finish within `minutes`: stopped. */
export const loginExpired = (minutes: number) =>
  `⌛ Seu login não foi concluído em ${plural(minutes, "minuto", "minutos")} e foi cancelado. Use /login para começar de novo.`

/** An answer to a login that is no longer going on (cancelled, expired, or replaced by a newer one). */
export const loginNotRunning = "Esse login não está mais em andamento. Use /login para começar de novo."

/** The steps of a login Vigia cannot complete: what to do in the Telegram app, and how to come back. */
export const stepInTheApp = {
  WaitingForEmail:
    "📧 O Telegram pede que esta conta cadastre um e-mail de login antes de entrar em um aparelho novo, e o Vigia " +
    "não faz esse cadastro. No app do Telegram, em Configurações › Privacidade e Segurança, cadastre e confirme um " +
    "e-mail de login. Depois use /login aqui de novo: o código chegará por esse e-mail ou pelo app.",
  WaitingForRegistration:
    "📱 Esse número ainda não tem conta no Telegram, e o Vigia não cria contas. Instale o app do Telegram, crie a " +
    "conta com esse número e depois use /login aqui de novo para conectá-la.",
  WaitingForOtherDeviceConfirmation:
    "📲 O Telegram está esperando que este acesso seja confirmado em outro aparelho onde sua conta já está " +
    "conectada, e o Vigia não consegue concluir esse passo. No app do Telegram, em Configurações › Dispositivos, " +
    "encerre os acessos que você não reconhece; o pedido expira em 5 minutos. Depois use /login aqui de novo."
} as const

/** `/logout` could not log the account out of Telegram now: it stays connected to the seller. */
export const logoutFailed =
  "❌ Não consegui desconectar sua conta do Telegram agora: a sessão não respondeu. Sua conta continua ligada ao " +
  "Vigia; tente /logout de novo em alguns minutos."
