/**
 * The pt-BR words order reading weighs, folded (lowercase, no accents): how people open a
 * request, ask a question, give an address, a time or money, and what is never a product.
 */

const set = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter((word) => word !== ""))

/** Words before an order that carry nothing of it: greetings, who is addressed, the request itself. */
export const openers = set(`
  consegue conseguiria poderia podia traz trazer traga mandar mande manda separar separe reserva reservar reserve
  anotar anote envia enviar envie vende vender arruma arrumar guarda guardar pega pegar bota coloca poe hoje amanha
  agora entao opa oie eai vizinha vizinho vizinhos vizinhas dona moco moca amigo amiga querida querido tia tio sr sra
  la vcs voces aqui como tem ta encomendar encomenda encomendo pedir peco pedindo comprar compro levar levo buscar busco
  preciso precisava precisando queremos
`)

/** Verbs that ask the seller to do something: a question that has one before its quantity is an order. */
export const requestVerbs = set(`
  ve manda mandar mande separa separar separe traz trazer traga reserva reservar reserve anota anotar anote envia
  enviar envie quero queria gostaria querer bota coloca poe vende arruma arrumar guarda guardar pega encomendar
  encomenda pedir levar comprar preciso
`)

/** Words that make a sentence a question (`quanto`, `qual`…); first in a sentence, they do even without `?`. */
export const interrogatives = set(`
  quanto quanta quantos quantas qto qts qnto qual quais quando onde cade sera alguem tem ainda vende vendem entrega
  entregam aceita aceitam faz fazem abre abrem chegou
`)

/** Words that end a product's name: what follows is for whom, where or when (`2 coca pro 302`, `pras 7h`). */
export const tailStarts = set(`
  pra para pro pras pros no na nos nas ao aos ate hoje amanha agora depois cedo que se pq porque pois quer quero vou
  vai por mais tb tbm tambem urgente
`)

/** After ` e `, words that start something other than a product (`2 coca e minha vizinha quer…`). */
export const notAfterAnd = set("minha meu minhas meus o a os as ele ela eles elas voce vc pra pro mais")

/** Words that, first after a quantity, say it counts something other than goods (`5 minutos`, `2 anos`). */
export const notProducts = set(`
  minuto min hora hr h hs dia semana mes mese ano real centavo conto pila reai pessoa vez segundo seg km metro andar
  numero porcento grau quadra filho filha crianca bloco apto ap apartamento casa rua ta esta tao sao dinheiro pix
  troco cartao parcela dias
`)

/** Address words: a number after one is a house, flat or block (`Rua das Flores 123`, `apto 45`). */
export const addressWords = set(`
  rua r av avenida travessa tv alameda al estrada rodovia praca apto apt ap apartamento bloco bl casa cep quadra qd
  lote torre condominio cond edificio ed sala andar vaga
`)

/** Words that, right before a number, make it a label (`pedido 1234`, `nota 10`, `elevador 2`). */
export const labelWords = set("pedido nota senha codigo mesa linha onibus elevador aro numero n tamanho")

/** Words that, just before a number, make it money (`troco pra 50`, `paguei 30`). */
export const moneyWords = set(`
  troco pix paguei pago pagar paga pagando transferi transferencia deu total valor custa custou preco devo sinal
  cobra cobrou fica ficou
`)

/** Words after a number that make it money (`45 reais`, `50 conto`). */
export const currencyWords = set("real reais conto contos pila pilas centavo centavos")

/** Words after a number that make it a time (`10 minutos`, `7 da noite` is read by its `da`). */
export const timeUnits = set("h hs hr hrs hora horas min mins minuto minutos seg segundos")

/** Words before a number that make it a time (`umas 7`, `até 2`, `daqui 20`, `das 9`). */
export const timeLeads = set("umas ate daqui das apos antes")

/** Parts of the day after `N da`/`N de` (`7 da noite`). */
export const dayParts = set("manha tarde noite madrugada")

/**
 * Words a line without a quantity may hold without naming a product (`Pago no pix`,
 * `Meu pedido de hoje`, `Pix na entrega`): such a line is talk, not an item to check.
 */
export const talkWords = set(`
  pix pago pagar pagamento dinheiro cartao troco entrega entregar retirar retiro buscar busco pegar pego levar hoje
  amanha agora cedo tarde noite lista semana valor total quanto endereco obrigado obrigada dona seu sr sra vizinha
  vizinho moco moca favor mandar manda aqui ai la ok certo beleza sim nao ja passo chego
`)

/** Laughter: `kkkk`, `hahaha`, `rsrs`. */
export const laughter = /^(?:k{3,}|(?:ha|he|hi|rs)+h?)$/

/** Whether a word has a letter three times in a row (`diaaa`). */
const hasRun = (word: string): boolean => {
  for (let index = 2; index < word.length; index++) {
    const code = word.charCodeAt(index)
    if (code === word.charCodeAt(index - 1) && code === word.charCodeAt(index - 2)) return true
  }
  return false
}

/** A word with its letter runs of three or more squeezed to one (`diaaa` → `dia`, `bommm` → `bom`). */
export const squeeze = (word: string): string => hasRun(word) ? word.replace(/([a-z])\1{2,}/g, "$1") : word
