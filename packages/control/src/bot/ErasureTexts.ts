/**
 * What the bot says when a seller asks to erase their data (`/apagar`, LGPD), in Brazilian Portuguese: what goes and
 * what stays, the confirmation, and the list of what was erased.
 */
import type { Erased } from "../data/SellerErasure.ts"
import { plural } from "./Texts.ts"

export const question =
  "⚠️ Apagar todos os seus dados do Vigia?\n\n" +
  "Isto apaga, sem volta:\n" +
  "• a conexão com a sua conta do Telegram: a sessão é encerrada e os arquivos dela no Vigia são apagados\n" +
  "• sua tabela de preços e as versões anteriores dela\n" +
  "• os grupos vigiados\n" +
  "• o registro dos pedidos (com os nomes e as mensagens dos clientes)\n" +
  "• suas configurações (resumo diário, fuso horário) e a conversa em andamento com o bot\n" +
  "• seu cadastro, seu plano (o tempo de plano pago que restar é perdido) e seu histórico de auditoria\n\n" +
  "Os pagamentos feitos ficam guardados sem o seu nome e sem o seu id do Telegram, como a contabilidade exige.\n" +
  "Se você voltar depois, começa do zero."

export const confirmButton = "🗑️ Apagar tudo"
export const cancelButton = "Cancelar"

export const cancelled = "Tudo certo: nada foi apagado."
export const expired = "Esta confirmação expirou. Envie /apagar de novo se ainda quiser apagar seus dados."
export const erasing = "Apagando os seus dados…"
export const failed =
  "Não consegui encerrar a sessão da sua conta do Telegram agora, então nada do seu cadastro foi apagado ainda. " +
  "Tente /apagar de novo em alguns minutos."

/** What was erased, as a list. */
export const done = (erased: Erased, accounts: number) =>
  [
    "✅ Seus dados foram apagados:",
    `• ${accounts === 0 ? "nenhuma conta do Telegram conectada" : `sessão da conta do Telegram encerrada e arquivos dela apagados (${plural(accounts, "conta", "contas")})`}`,
    `• tabela de preços: ${plural(erased.priceItems, "produto", "produtos")} e ${plural(erased.priceVersions, "versão anterior", "versões anteriores")}`,
    `• grupos vigiados: ${erased.groups}`,
    `• registro de pedidos: ${plural(erased.orders, "linha", "linhas")}`,
    `• registros de auditoria: ${erased.auditEntries} (fica só um registro anônimo de que um cadastro foi apagado)`,
    "• configurações, conversa com o bot, avisos de plano, cadastro e plano",
    "",
    `Pagamentos guardados sem identificação, para a contabilidade: ${erased.paymentsAnonymised}.`,
    "Se quiser voltar, é só enviar /start."
  ].join("\n")
