/**
 * Micro-benchmark: parse + quote throughput (`Quote.fromMessage`, what the purchase handler
 * runs) on 10,000 generated group messages against a generated 300-product table, beside a
 * plain lowercase-and-split pass over the same corpus.
 *
 * Run: node --conditions=@vigia/source packages/domain/bench/parser.ts
 */
import * as Money from "@vigia/domain/Money"
import { Centavos, PriceItem, type Unit } from "@vigia/domain/PriceTable"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"

/** A small deterministic generator (mulberry32), so every run measures the same corpus. */
const random = (() => {
  let state = 0x5eed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()
const pick = <A>(values: ReadonlyArray<A>): A => values[Math.floor(random() * values.length)] as A

const kinds: ReadonlyArray<readonly [name: string, unit: Unit]> = [
  ["Coca-Cola", "un"], ["Guaraná Antarctica", "un"], ["Fanta Laranja", "un"], ["Suco de uva", "un"],
  ["Cerveja Skol", "un"], ["Água mineral", "un"], ["Pão de queijo", "un"], ["Pão francês", "un"],
  ["Pastel de carne", "un"], ["Pastel de queijo", "un"], ["Coxinha", "un"], ["Empada de frango", "un"],
  ["Carne moída", "kg"], ["Picanha", "kg"], ["Alcatra", "kg"], ["Frango inteiro", "kg"], ["Linguiça toscana", "kg"],
  ["Queijo minas", "kg"], ["Mussarela", "kg"], ["Presunto", "kg"], ["Ovos brancos", "dz"], ["Ovos caipira", "dz"],
  ["Leite integral", "l"], ["Arroz branco", "pct"], ["Feijão carioca", "pct"], ["Açúcar cristal", "pct"],
  ["Café torrado", "pct"], ["Biscoito recheado", "pct"], ["Sabão em pó", "cx"], ["Bombom sortido", "cx"]
]
const variants = ["", "2L", "Lata 350ml", "600ml", "Zero", "Tradicional", "Especial", "Grande", "Pequeno", "Light"]

const table: Array<PriceItem> = []
for (const [kind, unit] of kinds) {
  for (const variant of variants) {
    const name = variant === "" ? kind : `${kind} ${variant}`
    const aliases = variant === "" ? [kind.split(" ")[0]?.toLowerCase() ?? kind] : []
    table.push(new PriceItem({ name, aliases, unit, price: Centavos.make(50 + Math.floor(random() * 20_000)) }))
  }
}

const typo = (word: string): string => {
  if (word.length < 6 || random() < 0.7) return word
  const at = 1 + Math.floor(random() * (word.length - 2))
  return word.slice(0, at) + word.slice(at + 1)
}
const spoken = (item: PriceItem): string => {
  const words = item.name.split(" ")
  const kept = random() < 0.5 ? words : words.slice(0, 2)
  const text = kept.map(typo).join(" ")
  return random() < 0.3 ? text.toLowerCase() : random() < 0.3 ? `${text}s` : text
}
const amount = (item: PriceItem): string =>
  item.unit === "kg"
    ? pick(["1kg de ", "1,5kg de ", "500g de ", "meio kg de ", "2 kg "])
    : item.unit === "dz"
    ? pick(["uma dúzia de ", "meia dúzia de ", "6 ", "2 dz "])
    : pick(["2x ", "1 ", "3 ", "uma ", "duas ", "10 ", "2un "])
const orderLine = (): string => {
  const item = pick(table)
  return random() < 0.2 ? `${spoken(item)} x${1 + Math.floor(random() * 5)}` : `${amount(item)}${spoken(item)}`
}
const chatter = [
  "bom dia pessoal!", "alguém sabe o horário?", "obrigado!!", "boa tarde, tudo bem?", "chego em 5 minutos",
  "kkkkkkk", "vocês entregam hoje?", "valeu demais", "qual o pix?", "Amém 🙏🙏", "😂😂😂", "👍", "🍕🍔🥤",
  "Feliz aniversário!! 🎉🎂", "pode deixar na portaria", "2 dias sem chover aqui"
]
const prose = (): string => {
  const sentences: Array<string> = []
  for (let i = 0; i < 25; i++) sentences.push(pick(chatter), "e aí, como foi o fim de semana de vocês? aqui foi tranquilo")
  return sentences.join(" ")
}
const message = (): string => {
  const roll = random()
  if (roll < 0.4) {
    const lines: Array<string> = []
    for (let i = 1 + Math.floor(random() * 4); i > 0; i--) lines.push(orderLine())
    return lines.join(pick(["\n", ", ", "; ", " e "]))
  }
  if (roll < 0.5) return `${pick(chatter)} ${orderLine()} e ${orderLine()} por favor 🙏`
  if (roll < 0.9) return pick(chatter)
  return prose()
}
const corpus: Array<string> = []
for (let i = 0; i < 10_000; i++) corpus.push(message())

const matcher = ProductMatcher.make(table)
let checksum = 0
const parseAndQuote = () => {
  for (const text of corpus) checksum += Quote.fromMessage(matcher, text).total
}
const baseline = () => {
  for (const text of corpus) checksum += text.toLowerCase().split(/\n|;|,/).length
}

const measure = (run: () => void): number => {
  const rounds: Array<number> = []
  for (let round = 0; round < 5; round++) {
    const started = performance.now()
    run()
    rounds.push(corpus.length / ((performance.now() - started) / 1000))
  }
  return rounds.sort((a, b) => a - b)[2] ?? 0
}

const started = performance.now()
const indexed = ProductMatcher.make(table)
const indexMs = performance.now() - started
for (let warmUp = 0; warmUp < 3; warmUp++) {
  parseAndQuote()
  baseline()
}
const quoted = corpus.map((text) => Quote.fromMessage(indexed, text))
const orders = quoted.filter((quote) => !Quote.isEmpty(quote))
const pricedLines = orders.reduce((sum, quote) => sum + quote.priced.length, 0)
const unmatchedLines = orders.reduce((sum, quote) => sum + quote.unmatched.length, 0)

const ours = measure(parseAndQuote)
const plain = measure(baseline)
const format = (value: number) => Math.round(value).toLocaleString("en-US")
console.log(`corpus: ${corpus.length} messages, ${corpus.reduce((sum, text) => sum + text.length, 0)} characters`)
console.log(`table: ${table.length} products, indexed in ${indexMs.toFixed(1)} ms`)
console.log(
  `orders found: ${orders.length}, priced lines: ${pricedLines}, unmatched lines: ${unmatchedLines}, ` +
    `total ${Money.format(Centavos.make(orders.reduce((sum, quote) => sum + quote.total, 0)))}`
)
console.log(`parse + quote:            ${format(ours)} messages/s (median of 5 rounds)`)
console.log(`baseline lowercase+split: ${format(plain)} messages/s (median of 5 rounds)`)
console.log(`ratio: parse + quote runs at ${((ours / plain) * 100).toFixed(1)}% of the baseline's rate (checksum ${checksum % 1000})`)
