/**
 * A small seller's table for matcher and quote tests, parsed the way the bot reads one,
 * with products that compete for the same words (two cocas, two pães, two queijos).
 */
import * as PriceTableParser from "../src/PriceTableParser.ts"

export const sampleTable = PriceTableParser.parse(`
Coca-Cola 2L = 9,50
Coca-Cola Lata 350ml = 5,00
Refrigerante Guaraná 2L = 8,00
Pão de queijo (pdq) - R$ 1,20 / un
Pão francês = 0,80
Pastel de carne = 7,00
Carne moída = 39,90 / kg
Queijo minas = 45,00/kg
Mussarela (muçarela) = 50,00/kg
Ovos = 12,00 / dz
Leite integral = 5,49 / l
Biscoito recheado = 4,00 / pct
Bombom sortido = 25,00 / cx
Cocada = 3,00
Pudim = 15,00
`).items
