/**
 * What the bot says to a seller, in Brazilian Portuguese, in one place so the voice stays consistent and tests
 * can match on the same words; what it says when something is refused or fails is in `FailureTexts`.
 */
import { limitsOf, type Plan, Unlimited } from "@vigia/domain/Plan"
import type { PlanLimits } from "@vigia/domain/Plan"
import { Option } from "effect"
import type { ObservedState } from "../data/Sessions.ts"
import type { PlanEnforced } from "../plans/PlanNotifier.ts"

export const planName: Record<Plan, string> = { free: "Gratuito", basic: "Básico", premium: "Premium" }

/** `1 minuto`, `5 minutos`: a count with its noun in agreement, wherever the bot shows one. */
export const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`

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
  { command: "tabela", description: "Ver sua tabela de preços (nova: trocar; csv: baixar)" },
  { command: "preco", description: "Mudar ou incluir um produto: /preco <produto> <preço>" },
  { command: "remover", description: "Tirar um produto da tabela: /remover <produto>" },
  { command: "desfazer", description: "Voltar a última mudança da tabela" },
  { command: "pedidos", description: "Seus pedidos de hoje, com botões para dias anteriores e grupos" },
  { command: "exportar", description: "Baixar os pedidos como planilha: /exportar 7 ou /exportar 01/11 30/11" },
  { command: "resumo", description: "Resumo diário dos pedidos: /resumo 20h, /resumo desligar" },
  { command: "fuso", description: "Seu fuso horário: /fuso America/Manaus" },
  { command: "logout", description: "Desconectar sua conta do Telegram" },
  { command: "apagar", description: "Apagar todos os seus dados do Vigia" },
  { command: "cancelar", description: "Cancelar o passo em andamento" }
]

export const welcome = (firstName: string) =>
  `Olá, ${firstName}! 👋 Eu sou o Vigia.\n\n` +
  "Eu leio os pedidos que seus clientes fazem nos grupos do Telegram, calculo o valor com a sua tabela de preços " +
  "e te mando o orçamento pronto.\n\n" +
  "1. /login conecta a sua conta do Telegram (num plano pago: veja /plano)\n2. /grupos escolhe os grupos vigiados\n" +
  "3. /tabela nova envia a sua tabela de preços\n\n" +
  "Use /ajuda para ver todos os comandos e /plano para ver o que o seu plano inclui."

/** The administrators' commands, as `/ajuda` lists them to an administrator. */
export const adminCommandList: ReadonlyArray<{ readonly command: string; readonly description: string }> = [
  { command: "admin_plano", description: "<id> <free|basic|premium> [dias] concede um plano" },
  { command: "admin_sessoes", description: "lista as sessões, com botões para parar e reiniciar" },
  { command: "admin_auditoria", description: "[id] mostra as últimas entradas da auditoria (de um vendedor, ou todas)" },
  { command: "admin_reembolso", description: "<id da cobrança> devolve um pagamento em Stars e encurta o plano" },
  { command: "admin_reprocessar", description: "devolve às filas as atualizações que falharam de vez (estacionadas)" }
]

/** Where to find support: `SUPPORT_CONTACT`, when the operator gave one. */
export const supportLine = (contact: Option.Option<string>) =>
  Option.match(contact, { onNone: () => "", onSome: (found) => `Suporte: ${found}` })

/** `/ajuda`: every command (an administrator's too, for one), the login code's advice, the support, and the seller's id. */
export const help = (telegramUserId: number, isAdmin: boolean, contact: Option.Option<string>) =>
  [
    "Comandos do Vigia:",
    ...commandList.map(({ command, description }) => `/${command} — ${description}`),
    ...(isAdmin ? ["", "Administração:", ...adminCommandList.map(({ command, description }) => `/${command} ${description}`)] : []),
    "",
    "O código de login do Telegram deve ser digitado com espaços (ex.: 1 2 3 4 5) ou no teclado numérico que eu mostro: " +
    "o Telegram cancela um código enviado como mensagem comum.",
    "",
    ...(Option.isSome(contact) ? [supportLine(contact)] : []),
    `Seu id no Telegram: ${telegramUserId}`
  ].join("\n")

/** "até 5 grupos ativos", "grupos ilimitados". */
export const groupsLimit = (max: number) => max === Unlimited ? "grupos ilimitados" : max === 1 ? "1 grupo ativo" : `até ${max} grupos ativos`

/** "até 5 grupos", "grupos ilimitados": the limit after a verb that already says they are active ("ativa até 5 grupos"). */
export const groupsCount = (max: number) => max === Unlimited ? "grupos ilimitados" : max === 1 ? "1 grupo" : `até ${max} grupos`

/** A plan's end, as a pt-BR date in Brazil's time. */
export const dayOf = (date: Date) => date.toLocaleDateString("pt-BR", { timeZone: "America/Sao_Paulo" })

/** What a paid plan gives, in the words `/plano` and the invoices use. */
export const planOffer = (plan: Exclude<Plan, "free">) =>
  `conecta sua conta do Telegram, vigia ${groupsCount(limitsOf[plan].maxActiveGroups)} e responde os pedidos nos grupos`

/**
 * `/plano`: the plan in force with only what it allows (the free plan, which cannot connect an account, is not said
 * to watch a group it cannot reach), until when, and what the paid plans give.
 */
export const planSummary = (plan: Plan, limits: PlanLimits, expiresAt: Date | null) => {
  const lines = limits.canCreateContainer
    ? [
      `Seu plano: ${planName[plan]}`,
      "• conecta sua conta do Telegram",
      `• ${groupsLimit(limits.maxActiveGroups)}`,
      ...(limits.canUseAdvancedFeatures ? ["• respostas automáticas nos grupos"] : [])
    ]
    : [
      `Seu plano: ${planName[plan]}`,
      "Ele serve para conhecer o Vigia: não conecta uma conta do Telegram, então não vigia grupos nem lê pedidos."
    ]
  if (expiresAt !== null) lines.push(`Válido até ${dayOf(expiresAt)}.`)
  if (plan !== "premium") {
    lines.push("", `${planName.basic}: ${planOffer("basic")}.`, `${planName.premium}: ${planOffer("premium")}.`)
  }
  return lines.join("\n")
}


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

/** The states in which a session's last error still matters to its seller. */
const troubled: ReadonlySet<ObservedState> = new Set(["stopped", "dead", "logged-out"])

/** A session's last error is English, for operators' logs: the seller reads what it means for them. */
const lastProblem = "Último problema: a sessão parou ou não conseguiu iniciar. Se continuar assim, use /login para conectar de novo."

export const notConnected = "Nenhuma conta do Telegram conectada. Use /login para conectar a sua."

/** `/status`: the seller's account and session, if one is connected or connecting, and their active groups. */
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
        ...(session.lastError === null || !troubled.has(session.state) ? [] : [lastProblem])
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
/** A message that is neither a command nor the answer to a question: what the bot is for, instead of "unknown command". */
export const chatter =
  "Oi! 🙂 Eu não converso por aqui: eu leio os pedidos dos seus clientes nos grupos e te mando o orçamento pronto.\n" +
  "Por aqui você usa comandos, por exemplo /status (sua conta e grupos), /tabela (sua tabela de preços), " +
  "/grupos (os grupos vigiados) e /plano (seu plano). /ajuda mostra todos."
export const slowDown = "Calma! Muitas mensagens em pouco tempo. Espere alguns segundos."
export const somethingWrong = "😕 Algo deu errado do meu lado. Tente de novo em instantes."
export const adminPlanUsage = "Use: /admin_plano <id do Telegram> <free|basic|premium> [dias]"
export const adminPlanGranted = (telegramId: number, plan: Plan, days: number | null) =>
  `Plano ${planName[plan]} concedido a ${telegramId}${days === null ? " sem vencimento" : ` por ${plural(days, "dia", "dias")}`}.`
export const adminUserUnknown = (telegramId: number) => `Nenhum usuário com id ${telegramId}. Ele precisa mandar /start antes.`
/**
 * `/admin_reprocessar`: how many parked updates went back to their queues, from how many accounts, and how many
 * accounts' queues could not be read.
 */
export const adminRedriven = (updates: number, accounts: number, unreachable: number) =>
  [
    updates === 0
      ? "Nenhuma atualização parada para reprocessar."
      : `${updates} ${updates === 1 ? "atualização parada voltou" : "atualizações paradas voltaram"} para a fila ` +
        `(${accounts} ${accounts === 1 ? "conta" : "contas"}).`,
    ...(unreachable === 0
      ? []
      : [
        `⚠️ ${unreachable === 1 ? "A fila de 1 conta não pôde ser lida" : `As filas de ${unreachable} contas não puderam ser lidas`} ` +
        "agora (Redis indisponível). Tente de novo em instantes."
      ])
  ].join("\n")
export const planUpgraded = (plan: Plan) => `🎉 Seu plano agora é ${planName[plan]}. Use /plano para ver os detalhes.`

// What the periodic plan check tells a seller (`plans/`).

const dateAndTime = (date: Date) =>
  date.toLocaleString("pt-BR", { timeZone: "America/Sao_Paulo", dateStyle: "short", timeStyle: "short" })

export const planExpiring = (plan: Plan, expiresAt: Date) =>
  `⏳ Seu plano ${planName[plan]} vence em ${dateAndTime(expiresAt)}. ` +
  "Renove antes disso, com /plano, para manter sua conta do Telegram conectada e seus grupos ativos."

/** The plan in force no longer allowed the seller's session or all their groups: what was stopped. */
export const planEnforced = (notice: PlanEnforced) =>
  [
    notice.lapsedPlan === null
      ? `⚠️ Seu plano agora é ${planName[notice.plan]}.`
      : `⚠️ Seu plano ${planName[notice.lapsedPlan]} venceu; agora você está no plano ${planName[notice.plan]}.`,
    ...(notice.sessionEnded ? ["Ele não permite conectar uma conta do Telegram: desconectei a sua e encerrei a sessão."] : []),
    ...(notice.deactivatedGroups.length === 0 ? [] : [
      `Ele permite ${groupsLimit(notice.groupLimit)}; desativei ${
        notice.deactivatedGroups.map((title) => `“${title}”`).join(", ")
      } e mantive os escolhidos mais recentemente.`
    ]),
    notice.sessionEnded
      ? "Depois de renovar o plano, use /login para conectar sua conta de novo."
      : "Use /plano para ver o que o seu plano inclui."
  ].join("\n")
