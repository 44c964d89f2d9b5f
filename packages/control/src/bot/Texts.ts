/**
 * What the bot says to a seller, in Brazilian Portuguese, in one place so the voice stays consistent and tests
 * can match on the same words; what it says when something is refused or fails is in `FailureTexts`.
 */
import { limitsOf, type Plan, Unlimited } from "@vigia/domain/Plan"
import type { PlanLimits } from "@vigia/domain/Plan"
import type { ObservedState } from "../data/Sessions.ts"

export const planName: Record<Plan, string> = { free: "Gratuito", basic: "Básico", premium: "Premium" }

/** The commands shown in Telegram's menu, in order. */
export const commandList: ReadonlyArray<{ readonly command: string; readonly description: string }> = [
  { command: "start", description: "Começar a usar o Vigia" },
  { command: "ajuda", description: "Como o Vigia funciona" },
  { command: "plano", description: "Seu plano, limites e como fazer upgrade" },
  { command: "login", description: "Conectar sua conta do Telegram" },
  { command: "status", description: "Estado da sua sessão e grupos ativos" },
  { command: "grupos", description: "Escolher os grupos vigiados" },
  { command: "ativar", description: "Ativar um grupo: /ativar <nome ou id>" },
  { command: "desativar", description: "Desativar um grupo: /desativar <nome ou id>" },
  { command: "tabela", description: "Ver ou trocar sua tabela de preços" },
  { command: "logout", description: "Desconectar sua conta do Telegram" },
  { command: "cancelar", description: "Cancelar o passo em andamento" }
]

export const welcome = (firstName: string) =>
  `Olá, ${firstName}! 👋 Eu sou o Vigia.\n\n` +
  "Eu leio os pedidos que seus clientes fazem nos grupos do Telegram, calculo o valor com a sua tabela de preços " +
  "e te mando o orçamento pronto.\n\n" +
  "1. /login conecta a sua conta do Telegram\n2. /grupos escolhe os grupos vigiados\n3. /tabela envia a sua tabela de preços\n\n" +
  "Use /ajuda para ver todos os comandos e /plano para ver o que o seu plano inclui."

export const help = () =>
  "Comandos do Vigia:\n" + commandList.map(({ command, description }) => `/${command} — ${description}`).join("\n") +
  "\n\nO código de login do Telegram deve ser digitado com espaços (ex.: 1 2 3 4 5) ou no teclado numérico que eu mostro: " +
  "o Telegram cancela um código enviado como mensagem comum."

/** "até 5 grupos ativos", "grupos ilimitados". */
export const groupsLimit = (max: number) => max === Unlimited ? "grupos ilimitados" : max === 1 ? "1 grupo ativo" : `até ${max} grupos ativos`

export const planSummary = (plan: Plan, limits: PlanLimits, expiresAt: Date | null) => {
  const lines = [
    `Seu plano: ${planName[plan]}`,
    `• ${groupsLimit(limits.maxActiveGroups)}`,
    `• conectar conta do Telegram: ${limits.canCreateContainer ? "sim" : "não"}`,
    `• respostas automáticas nos grupos: ${limits.canUseAdvancedFeatures ? "sim" : "não"}`
  ]
  if (expiresAt !== null) lines.push(`Válido até ${expiresAt.toLocaleDateString("pt-BR", { timeZone: "America/Sao_Paulo" })}.`)
  if (plan !== "premium") {
    lines.push(
      "",
      `Planos: ${planName.basic} — conta conectada, ${groupsLimit(limitsOf.basic.maxActiveGroups)} e respostas automáticas; ` +
        `${planName.premium} — ${groupsLimit(limitsOf.premium.maxActiveGroups)}. Fale com o suporte para assinar.`
    )
  }
  return lines.join("\n")
}

export const askPhone =
  "Envie o número de telefone da conta do Telegram que você quer conectar, com DDI e DDD (ex.: +55 11 91234-5678), " +
  "ou toque em “Compartilhar meu número”."
export const sharePhoneButton = "📱 Compartilhar meu número"
export const alreadyConnected = "Sua conta do Telegram já está conectada. Use /status para ver os detalhes ou /logout para desconectar."
export const phoneInUse = "Esse número já está conectado a outra conta do Vigia."
export const startingSession = "⏳ Iniciando sua sessão…"
export const waitingTelegram = "⏳ Sessão iniciada. Aguardando o Telegram…"

export const askCode = (length: number, via: string) =>
  `📩 O Telegram enviou um código de ${length > 0 ? `${length} dígitos` : "login"} ${via}.\n\n` +
  "Digite o código com espaços entre os números (ex.: 1 2 3 4 5) ou use o teclado abaixo. " +
  "Não envie o código junto, sem espaços: o Telegram cancela códigos enviados em mensagens."
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
export const askEmailCode = (pattern: string) => `📧 Digite o código que o Telegram enviou para ${pattern}, com espaços entre os números.`
export const unsupportedLoginStep =
  "Essa conta precisa de um passo que só pode ser concluído no app do Telegram (cadastro, e-mail ou confirmação em outro aparelho). " +
  "Conclua por lá e use /login de novo."
export const connected = (name: string, username: string | undefined) =>
  `✅ Conta conectada: ${name}${username === undefined ? "" : ` (@${username})`}.`
export const loginCancelled = "Ok, cancelei. Nada foi alterado."
export const nothingToCancel = "Não há nada em andamento para cancelar."

export const notConnected = "Você ainda não conectou sua conta do Telegram. Use /login."
export const loggedOutElsewhere =
  "⚠️ Sua conta do Telegram foi desconectada (encerrada em outro aparelho ou pelo Telegram). Use /login para conectar de novo."
export const workerLost =
  "⚠️ Perdi a conexão com a sua sessão do Telegram e não consegui religá-la. Use /status para ver o estado ou /login para conectar de novo."
export const loggedOut = "👋 Sua conta do Telegram foi desconectada e a sessão encerrada."

export const groupsHeader = (active: number, max: number) =>
  `Seus grupos (${active} ${active === 1 ? "ativo" : "ativos"} de ${max === Unlimited ? "ilimitados" : max}).\n` +
  "Toque em um grupo para ativar ou desativar. 🤖 liga ou desliga as respostas automáticas no grupo."
export const noGroups = "Não encontrei grupos na sua conta do Telegram. Entre nos grupos dos seus clientes e use /grupos de novo."
export const groupActivated = (title: string) => `✅ Grupo ativado: ${title}`
export const groupDeactivated = (title: string) => `Grupo desativado: ${title}`
export const groupNotFound = (query: string) => `Não encontrei o grupo “${query}”. Use /grupos para ver a lista.`
export const groupAmbiguous = (titles: ReadonlyArray<string>) =>
  `Encontrei mais de um grupo: ${titles.map((title) => `“${title}”`).join(", ")}. Use o nome completo ou o id.`
export const groupNotActive = (title: string) => `O grupo “${title}” não está ativo.`
export const usageActivate = "Use: /ativar <nome ou id do grupo>"
export const usageDeactivate = "Use: /desativar <nome ou id do grupo>"
export const autoReplyOn = (title: string) => `🤖 Respostas automáticas ligadas em ${title}.`
export const autoReplyOff = (title: string) => `Respostas automáticas desligadas em ${title}.`

export const tableEmpty = "Sua tabela de preços está vazia."
export const askTable =
  "Envie a nova tabela como texto (um produto por linha, ex.: “Coca-Cola 2L = 9,50”) ou como arquivo CSV " +
  "(colunas nome;preco;unidade;apelidos). Ela substitui a tabela atual. Use /cancelar para desistir."
export const tableReplaced = (count: number) => `✅ Tabela atualizada: ${count} ${count === 1 ? "produto" : "produtos"}.`

/** Where the group reply stood when the report was written. */
const replyNote: Record<"none" | "pending" | "sending" | "sent" | "failed", ReadonlyArray<string>> = {
  none: [],
  pending: ["", "🤖 O orçamento vai ser respondido no grupo assim que o Telegram permitir."],
  sending: ["", "🤖 O orçamento está sendo respondido no grupo."],
  sent: ["", "🤖 Orçamento respondido no grupo."],
  failed: ["", "⚠️ Não consegui responder o orçamento no grupo."]
}

/** The head of an order's report: a new order, or the new quote of an edited one, and the part when it is long. */
export const orderReportHead = (group: string, edited: boolean, part?: { readonly index: number; readonly of: number }) =>
  `${edited ? "✏️ Pedido editado" : "🛒 Pedido"} em ${group}${part === undefined ? "" : ` (parte ${part.index} de ${part.of})`}`

/** The body of an order's report: the customer, the quote, the link to the message, the group reply. */
export const orderReportBody = (
  customer: string,
  quoteText: string,
  link: string | null,
  reply: keyof typeof replyNote
) => [`Cliente: ${customer}`, "", quoteText, ...(link === null ? [] : ["", link]), ...replyNote[reply]].join("\n")

/** Between two reports sent in one message. */
export const reportSeparator = "\n\n────────────\n\n"

/** A session's observed state, as the seller reads it in `/status`. */
const sessionState: Record<ObservedState, string> = {
  starting: "iniciando",
  running: "em execução",
  "waiting-for-code": "aguardando o código de login",
  "waiting-for-password": "aguardando a senha de duas etapas",
  authorized: "conectada",
  "logged-out": "desconectada",
  stopped: "parada",
  dead: "fora do ar (religando)"
}

/** `/status`: the seller's account and session, if connected, and their active groups. */
export const status = (
  session: { readonly phone: string; readonly state: ObservedState; readonly lastError: string | null } | undefined,
  groups: ReadonlyArray<{ readonly title: string; readonly autoReply: boolean }>
) =>
  [
    ...(session === undefined
      ? [notConnected]
      : [
        `Conta: ${session.phone}`,
        `Sessão: ${sessionState[session.state]}`,
        ...(session.lastError === null ? [] : [`Último erro: ${session.lastError}`])
      ]),
    "",
    groups.length === 0
      ? "Nenhum grupo ativo. Use /grupos."
      : `Grupos ativos:\n${groups.map((group) => `• ${group.title}${group.autoReply ? " 🤖" : ""}`).join("\n")}`
  ].join("\n")

/** `/status`, when some orders could not be reported to the seller (they had blocked the bot). */
export const undeliveredOrders = (count: number) =>
  `⚠️ ${count === 1 ? "1 pedido não entregue" : `${count} pedidos não entregues`}: não consegui te enviar ` +
  `${count === 1 ? "o relatório" : "os relatórios"} (o bot estava bloqueado). Os pedidos continuam guardados.`

export const unknownCommand = "Não conheço esse comando. Use /ajuda para ver a lista."
export const slowDown = "Calma! Muitas mensagens em pouco tempo. Espere alguns segundos."
export const somethingWrong = "😕 Algo deu errado do meu lado. Tente de novo em instantes."
export const adminPlanUsage = "Use: /admin_plano <id do Telegram> <free|basic|premium> [dias]"
export const adminPlanGranted = (telegramId: number, plan: Plan, days: number | null) =>
  `Plano ${planName[plan]} concedido a ${telegramId}${days === null ? " sem vencimento" : ` por ${days} dias`}.`
/** `/admin_sessoes`: one line per session (the phone masked). */
export const adminSessions = (
  sessions: ReadonlyArray<{ readonly phone: string; readonly runtime: string; readonly desired: string; readonly observed: string }>
) =>
  sessions.length === 0
    ? "Nenhuma sessão."
    : sessions.map((session) => `${session.phone} — ${session.runtime}, ${session.desired}/${session.observed}`).join("\n")
export const adminUserUnknown = (telegramId: number) => `Nenhum usuário com id ${telegramId}. Ele precisa mandar /start antes.`
export const planUpgraded = (plan: Plan) => `🎉 Seu plano agora é ${planName[plan]}. Use /plano para ver os detalhes.`
