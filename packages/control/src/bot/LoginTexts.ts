/**
 * What the bot says while a seller connects or disconnects a Telegram account: the phone, the start of the
 * session step by step, the code and the password, and the outcome.
 */
import { plural } from "./Texts.ts"

export const askPhone =
  "Envie o número de telefone da conta do Telegram que você quer conectar, com DDD (ex.: 11 91234-5678; de fora do " +
  "Brasil, com DDI: +351 912 345 678), ou toque em “Compartilhar meu número”."
export const sharePhoneButton = "📱 Compartilhar meu número"
export const alreadyConnected = "Sua conta do Telegram já está conectada. Use /status para ver os detalhes ou /logout para desconectar."
export const phoneInUse =
  "Esse número está em uso por outra conta do Vigia (conectado, ou com um login em andamento). Se o número é seu, " +
  "tente de novo daqui a alguns minutos ou fale com o suporte."
export const startingSession = "⏳ Iniciando sua sessão…"
export const waitingTelegram = "⏳ Sessão iniciada. Aguardando o Telegram…"

export const askCode = (length: number, via: string, resend?: { readonly via: string; readonly seconds: number }) =>
  `📩 O Telegram enviou um código de ${length > 0 ? plural(length, "dígito", "dígitos") : "login"} ${via}.\n\n` +
  "Digite o código com espaços entre os números (ex.: 1 2 3 4 5) ou use o teclado abaixo. " +
  "Não envie o código junto, sem espaços: o Telegram cancela códigos enviados em mensagens." +
  (resend === undefined
    ? ""
    : `\n\nNão chegou? ${
      resend.seconds > 0 ? `Daqui a ${resend.seconds} s você` : "Você"
    } pode pedir um novo código ${resend.via} em “Reenviar código”.`)
export const codeVia: Record<string, string> = {
  TelegramMessage: "no seu app do Telegram",
  Sms: "por SMS",
  SmsWord: "por SMS",
  SmsPhrase: "por SMS",
  Call: "por ligação",
  FlashCall: "por ligação",
  MissedCall: "por chamada perdida",
  Fragment: "pelo Fragment"
}
export const keypadTyped = (digits: string, length: number) =>
  `Código: ${(digits + "_".repeat(Math.max(0, length - digits.length))).split("").join(" ")}`
export const codeWrong = (attemptsLeft: number) =>
  `❌ Código incorreto. Confira e digite de novo, com espaços (ex.: 1 2 3 4 5). ${
    attemptsLeft === 1 ? "Resta 1 tentativa." : `Restam ${attemptsLeft} tentativas.`
  }`
export const resendButton = "🔁 Reenviar código"
export const codeResent = "📩 Pedi um novo código ao Telegram."
export const askPassword = (hint: string) =>
  `🔐 Sua conta tem verificação em duas etapas. Envie a sua senha${hint === "" ? "" : ` (dica: ${hint})`}.\n` +
  "Eu apago a sua mensagem assim que a recebo."
export const passwordWrong = (attemptsLeft: number) =>
  `❌ Senha incorreta. ${attemptsLeft === 1 ? "Resta 1 tentativa." : `Restam ${attemptsLeft} tentativas.`}`
export const askEmailCode = (pattern: string, length: number) =>
  `📧 O Telegram enviou um código de ${length > 0 ? `${length} dígitos` : "login"} para o e-mail ${pattern}.\n\n` +
  "Digite o código com espaços entre os números (ex.: 1 2 3 4 5 6) ou use o teclado abaixo."
export const connected = (name: string, username: string | undefined) =>
  `✅ Conta conectada: ${name}${username === undefined ? "" : ` (@${username})`}.`
export const loginCancelled = "Ok, cancelei. Nada foi alterado."
export const nothingToCancel = "Não há nada em andamento para cancelar."

export const loggedOutElsewhere =
  "⚠️ Sua conta do Telegram foi desconectada (encerrada em outro aparelho ou pelo Telegram). Use /login para conectar de novo."
export const workerLost =
  "⚠️ Perdi a conexão com a sua sessão do Telegram e não consegui religá-la. Use /status para ver o estado ou /login para conectar de novo."
export const nodeRetired =
  "⚠️ Sua sessão do Telegram precisou mudar de servidor e o login ficou no servidor antigo. Use /login para conectar de novo."
export const loggedOut = "👋 Sua conta do Telegram foi desconectada e a sessão encerrada."

// A start, step by step: its place in line, creating, starting, waiting for Telegram, ready.

export const startQueued = (place: number) =>
  `⏳ Muitas contas estão se conectando agora: você é o ${place}º da fila. Sua sessão começa assim que chegar a sua vez.`
export const creatingSession = "⏳ Criando sua sessão…"
/** A message while the login waits for Telegram's next step: nothing is lost, the bot asks when it comes. */
export const stillWaitingTelegram = "⏳ Ainda aguardando o Telegram: eu aviso assim que ele pedir o próximo passo."
export const sessionReady = "✅ Sessão pronta: o Telegram recebeu o pedido de login."

/** A code sent with no digit in it (an empty keypad, or words): asked again, no attempt spent. */
export const codeWithoutDigits = "Não encontrei números nessa mensagem. Digite o código com espaços entre os números (ex.: 1 2 3 4 5) ou use o teclado."

/** A new code asked for before Telegram allows it: how long to wait. */
export const resendWait = (seconds: number) => `Espere ${seconds} s para pedir um novo código.`
export const resendUnavailable = "O Telegram não oferece outro jeito de enviar o código. Use /login para recomeçar."
