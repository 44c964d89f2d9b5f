/**
 * What the bot says about buying a plan with Telegram Stars, in Brazilian Portuguese: the offers under `/plano`, the
 * invoice, the answer to Telegram's pre-checkout, the payment received or given back, and the administrator's refunds.
 */
import type { Plan } from "@vigia/domain/Plan"
import { Option } from "effect"
import type { PaidPlan, StarPayment } from "../data/PlanPayments.ts"
import { dayOf, planName, planOffer, plural } from "./Texts.ts"

/** How long a plan bought in the bot lasts. */
export const periodDays = 30

const stars = (count: number) => `${count} ⭐`

export const offersHeader = `Assine por ${periodDays} dias, pago com Telegram Stars:`
export const buyButton = (plan: PaidPlan, price: number, renewing: boolean) =>
  `${renewing ? "Renovar " : ""}${planName[plan]} — ${stars(price)}`
/** A paid plan without expiry (granted by an administrator): nothing to buy, and where to turn. */
export const noOffers = (contact: Option.Option<string>) =>
  Option.match(contact, {
    onNone: () => "Seu plano não vence.",
    onSome: (found) => `Seu plano não vence. Para mudá-lo, fale com o suporte: ${found}.`
  })

export const invoiceTitle = (plan: PaidPlan) => `Vigia ${planName[plan]} — ${periodDays} dias`
export const invoiceDescription = (plan: PaidPlan) =>
  `Plano ${planName[plan]} por ${periodDays} dias: ${planOffer(plan)}. Se você já tem este plano, os dias se somam.`
export const invoiceLabel = (plan: PaidPlan) => `Plano ${planName[plan]} (${periodDays} dias)`
export const invoiceSent = "Toque em “Pagar” na cobrança acima para concluir."

/** Why a buy button was refused: not a button of ours, the plan is no longer sold, or it is below the plan in force. */
export const staleButton = "Esse botão não vale mais. Use /plano para ver as opções."
export const notForSale = (plan: PaidPlan) => `O plano ${planName[plan]} não está à venda pelo bot agora. Use /plano para ver as opções.`
export const belowCurrent = (plan: PaidPlan, current: Plan, expiresAt: Date | null) =>
  `Seu plano ${planName[current]} está ativo${expiresAt === null ? "" : ` até ${dayOf(expiresAt)}`}; ` +
  `o ${planName[plan]} pode ser comprado quando ele vencer.`

/** Why the bot refused a payment at Telegram's pre-checkout (Telegram shows it to the payer; at most 255 characters). */
export type PreCheckoutRefusal = "UnknownInvoice" | "NotYourInvoice" | "WrongAmount" | "AlreadyPaid" | "Unavailable"
export const preCheckoutRefused: Record<PreCheckoutRefusal, string> = {
  UnknownInvoice: "Essa cobrança não corresponde a nenhum plano do Vigia. Nada foi cobrado. Use /plano para assinar.",
  NotYourInvoice: "Essa cobrança foi gerada para outra pessoa. Nada foi cobrado. Use /plano para gerar a sua.",
  WrongAmount: "O valor dessa cobrança não confere com o do plano. Nada foi cobrado. Use /plano para gerar uma nova.",
  AlreadyPaid: "Essa cobrança já foi paga. Nada foi cobrado de novo. Use /plano para ver o seu plano.",
  Unavailable: "Não consegui confirmar o pagamento agora. Nada foi cobrado. Tente de novo em instantes."
}

export const paid = (plan: Plan, expiresAt: Date | null) =>
  `🎉 Pagamento recebido! Seu plano agora é ${planName[plan]}${expiresAt === null ? "" : `, válido até ${dayOf(expiresAt)}`}. ` +
  "Use /login para conectar sua conta do Telegram, se ainda não conectou."
/** The payment went through at Telegram but could not be recorded (the operator has it in the logs). */
export const notRecorded = (contact: Option.Option<string>) =>
  "Recebi o seu pagamento, mas não consegui registrá-lo agora. Ele não se perdeu: " +
  Option.match(contact, {
    onNone: () => "o suporte vai registrá-lo.",
    onSome: (found) => `fale com o suporte (${found}) para ativá-lo.`
  })
export const alreadyCredited = (plan: PaidPlan | null) =>
  `✅ Esse pagamento já está registrado${plan === null ? "" : ` no seu plano ${planName[plan]}`}. Use /plano para ver a validade.`
export const unmatchedRefunded = (amount: number) =>
  `Recebi um pagamento de ${stars(amount)} que não corresponde a nenhuma cobrança do Vigia, então devolvi as suas estrelas. ` +
  "Use /plano para assinar."
export const unmatchedNotRefunded = (amount: number, contact: Option.Option<string>) =>
  `Recebi um pagamento de ${stars(amount)} que não corresponde a nenhuma cobrança do Vigia e não consegui devolvê-lo agora. ` +
  Option.match(contact, {
    onNone: () => "Ele será devolvido pelo suporte.",
    onSome: (found) => `Fale com o suporte (${found}) para recebê-lo de volta.`
  })

/** The seller's payment was given back: their plan's end moved, or it ended. */
export const sellerRefunded = (payment: StarPayment, expiresAt: Date | null, now: Date) =>
  `💸 Seu pagamento de ${stars(payment.stars)} foi devolvido.` +
  (payment.plan === null || expiresAt === null
    ? ""
    : expiresAt.getTime() <= now.getTime()
    ? ` Seu plano ${planName[payment.plan]} terminou.`
    : ` Seu plano ${planName[payment.plan]} agora vale até ${dayOf(expiresAt)}.`)

// The administrators' refunds.

export const refundUsage = "Use: /admin_reembolso <id da cobrança> (o id está na auditoria: /admin_auditoria <id do vendedor>)."
export const refundUnknown = (chargeId: string) => `Nenhum pagamento com a cobrança ${chargeId}.`
export const refundAlready = (payment: StarPayment) =>
  `Esse pagamento já foi devolvido${payment.refundedAt === null ? "" : ` em ${dayOf(payment.refundedAt)}`}: nada mudou.`
export const refundDone = (payment: StarPayment, planShortened: boolean, telegramHadRefunded: boolean) =>
  `Pagamento de ${stars(payment.stars)} de ${payment.telegramUserId} devolvido` +
  (telegramHadRefunded ? " (o Telegram já o tinha devolvido; registrei)" : "") +
  (planShortened ? `; o plano perdeu ${plural(payment.days ?? 0, "dia", "dias")}.` : "; o plano dele não mudou (é outro, ou não vence).")
export const refundFailed = (description: string) => `O Telegram recusou a devolução: ${description}. Nada mudou.`
