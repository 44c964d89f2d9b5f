/**
 * What plain words most commonly mean in a Brazilian shop: other names for one product
 * (`pãozinho`, `pão de sal` are the French roll), the qualifiers of a product's standard kind
 * (a plain `pão` is `francês`, a plain `água` is `mineral`), and words that name a variant.
 */

/** Terms (folded, singular) rewritten before matching, on both the typed words and the table's names. */
const synonyms: ReadonlyArray<readonly [from: ReadonlyArray<string>, to: ReadonlyArray<string>]> = [
  [["paozinho"], ["pao", "france"]],
  [["paezinho"], ["pao", "france"]],
  [["cacetinho"], ["pao", "france"]],
  [["pao", "sal"], ["pao", "france"]],
  [["pao", "carioca"], ["pao", "france"]],
  [["refri"], ["refrigerante"]],
  [["coquinha"], ["coca"]],
  [["latinha"], ["lata"]],
  ...["mucarela", "muzarela", "mozarela", "mozzarela", "mozzarella", "muzzarela", "mussarella"].map((spelling) =>
    [[spelling], ["mussarela"]] as const
  )
]

const firstTerms: ReadonlySet<string> = new Set(synonyms.map(([from]) => from[0] as string))

/** `terms` with other names replaced by the common one (`paozinho` → `pao`, `france`). */
export const rewrite = (terms: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (!terms.some((term) => firstTerms.has(term))) return terms
  const result: Array<string> = []
  for (let at = 0; at < terms.length; at++) {
    const found = synonyms.find(([from]) => from.every((term, offset) => terms[at + offset] === term))
    if (found === undefined) result.push(terms[at] as string)
    else {
      result.push(...found[1])
      at += found[0].length - 1
    }
  }
  return result
}

/** For a plain word, the qualifiers of its standard kind: `pao` alone is `pao france`. */
const standardKinds: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  ([
    ["pao", ["france", "frances", "sal"]],
    ["agua", ["mineral", "natural"]],
    ["leite", ["integral"]],
    ["arroz", ["branco", "tipo", "agulhinha"]],
    ["feijao", ["carioca"]],
    ["acucar", ["cristal", "refinado"]],
    ["cafe", ["tradicional", "torrado"]],
    ["oleo", ["soja"]],
    ["banana", ["prata"]],
    ["ovo", ["branco"]]
  ] as const).map(([word, qualifiers]) => [word, new Set<string>(qualifiers)])
)

/** Qualifiers that say "the standard kind" of anything. */
const standardQualifiers: ReadonlySet<string> = new Set(["tradicional", "comum", "normal", "simples", "natural"])

/** Whether `qualifier`, in a name beside `word`, names the kind a plain `word` most commonly means. */
export const isStandardKind = (word: string, qualifier: string): boolean =>
  standardQualifiers.has(qualifier) || standardKinds.get(word)?.has(qualifier) === true

/** Typed words that name a variant: a product without the word is another product (`coca zero` is not Coca-Cola). */
export const variantWords: ReadonlySet<string> = new Set([
  "zero", "diet", "light", "integral", "desnatado", "semidesnatado", "caipira", "organico", "lactose", "lata",
  "garrafa", "long", "pet", "mini", "grande", "pequeno", "pequena"
])

/** Generic words (`refrigerante coca`) count little when typed: the brand or kind says more. */
export const genericWords: ReadonlySet<string> = new Set(["refrigerante", "bebida", "produto", "item"])

/** Words that describe how a product comes (`fatiado fininho`, `bem gelada`): they count little when typed. */
export const describingWords: ReadonlySet<string> = new Set([
  "bem", "gelado", "gelada", "geladinho", "geladinha", "quente", "quentinho", "quentinha", "fresco", "fresca",
  "fresquinho", "fresquinha", "fatiado", "fatiada", "fininho", "fininha", "fino", "fina", "grosso", "grossa", "picado",
  "picada", "ralado", "ralada", "maduro", "madura", "docinho", "caprichado", "caprichada"
])
