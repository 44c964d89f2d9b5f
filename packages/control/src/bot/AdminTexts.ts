/**
 * What the bot says to administrators about sessions and the audit log (and to a seller whose session an administrator
 * stopped), in Brazilian Portuguese; phones are shown masked.
 */
import { Option } from "effect"
import type { ContainerManagerError } from "../sessions/manager/ContainerManager.ts"
import { plural } from "./Texts.ts"

export interface SessionLine {
  readonly phone: string
  readonly runtime: string
  readonly desired: string
  readonly observed: string
  /** The seller's Telegram id, when the session's user still exists. */
  readonly seller: number | null
}

/** `/admin_sessoes`: a page of sessions, numbered as their buttons are. */
export const sessionsPage = (lines: ReadonlyArray<SessionLine>, first: number, total: number, page: number, pages: number) =>
  total === 0
    ? "Nenhuma sessão."
    : [
      `Sessões: ${total}${pages > 1 ? ` (página ${page + 1} de ${pages})` : ""}`,
      ...lines.map((line, index) =>
        `${first + index + 1}. ${line.phone} — ${line.runtime}, ${line.desired}/${line.observed}` +
        (line.seller === null ? "" : ` · vendedor ${line.seller}`)
      )
    ].join("\n")
export const stopButton = (number: number) => `⏹ Parar ${number}`
export const restartButton = (number: number) => `🔄 Reiniciar ${number}`
export const startButton = (number: number) => `▶️ Iniciar ${number}`
export const previousPage = "◀️ Anteriores"
export const nextPage = "Próximas ▶️"

export const confirmStop = (phone: string) =>
  `Parar a sessão ${phone}? O worker é encerrado e o vendedor deixa de receber pedidos até conectar de novo (/login).`
export const confirmStopButton = "⏹ Sim, parar"
export const cancelButton = "✖️ Cancelar"
export const cancelled = "Ok, nada mudou."
export const sessionGone = "Essa sessão não existe mais."
export const stopped = (phone: string) => `⏹ Sessão ${phone} parada.`
export const restarting = (phone: string) => `🔄 Reiniciando a sessão ${phone}…`
export const restarted = (phone: string) => `✅ Sessão ${phone} reiniciada.`

const startFailures: Record<ContainerManagerError["reason"]["_tag"], string> = {
  CapacityReached: "todas as sessões estão ocupadas (MAX_SESSIONS)",
  StartQueueTimedOut: "esperou demais na fila de sessões iniciando",
  StartTimedOut: "o worker demorou demais para iniciar",
  WorkerDied: "o worker parou enquanto iniciava",
  RuntimeFailed: "o runtime não conseguiu criar o worker"
}
export const managerFailed = (phone: string, reason: ContainerManagerError["reason"]["_tag"]) =>
  `❌ Sessão ${phone}: ${startFailures[reason]}. Veja os logs do control plane.`

/** The seller is told when an administrator stopped their session, and where to ask why. */
export const stoppedBySupport = (contact: Option.Option<string>) =>
  "⚠️ O suporte do Vigia parou a sua sessão do Telegram: você não recebe pedidos até conectar de novo com /login." +
  Option.match(contact, { onNone: () => "", onSome: (found) => ` Dúvidas: ${found}.` })

// The audit log.

export const auditUsage = "Use: /admin_auditoria [id do Telegram do vendedor] (sem id: todas as entradas)."
export const auditHeader = (target: number | null) =>
  target === null ? "Auditoria, mais recentes primeiro:" : `Auditoria de ${target}, mais recentes primeiro:`
export const auditEmpty = (target: number | null) => target === null ? "A auditoria está vazia." : `Nenhuma entrada de ${target}.`
export const auditEnd = "Fim da auditoria."
export const olderButton = "◀️ Mais antigas"

const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text)

/** One entry: its number, when (Brazil's time), whose, what, and its details in one line. */
export const auditLine = (entry: {
  readonly id: number
  readonly at: Date
  readonly telegramUserId: number | null
  readonly action: string
  readonly details: Readonly<Record<string, unknown>>
}) => {
  const when = entry.at.toLocaleString("pt-BR", { timeZone: "America/Sao_Paulo", dateStyle: "short", timeStyle: "medium" })
  const details = Object.entries(entry.details).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
  return `#${entry.id} ${when} · ${entry.telegramUserId ?? "—"} · ${entry.action}${details.length === 0 ? "" : ` · ${clip(details.join(", "), 200)}`}`
}

export const auditCount = (count: number) => plural(count, "entrada", "entradas")
