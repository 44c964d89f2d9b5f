import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as OrderPeriods from "../../src/bot/OrderPeriods.ts"

const today = "2026-11-30"
const parsed = (args: string, on = today) => OrderPeriods.parse(args, on)
const days = (first: string, last: string) => Result.succeed({ first, last })

describe("OrderPeriods", () => {
  it("reads the day in the seller's time zone, not the server's", () => {
    // 02:30 UTC on 1 December is still 30 November in São Paulo (UTC−3).
    const instant = new Date("2026-12-01T02:30:00Z")
    assert.strictEqual(OrderPeriods.dayAt(instant, "America/Sao_Paulo"), "2026-11-30")
    assert.strictEqual(OrderPeriods.dayAt(instant, "UTC"), "2026-12-01")
    assert.strictEqual(OrderPeriods.timeAt(instant, "America/Sao_Paulo"), "23:30")
    assert.strictEqual(OrderPeriods.timeAt(new Date("2026-11-30T03:05:00Z"), "America/Sao_Paulo"), "00:05")
  })

  it("counts days across months and years", () => {
    assert.strictEqual(OrderPeriods.addDays("2026-03-01", -1), "2026-02-28")
    assert.strictEqual(OrderPeriods.addDays("2028-03-01", -1), "2028-02-29")
    assert.strictEqual(OrderPeriods.addDays("2026-12-31", 1), "2027-01-01")
    assert.strictEqual(OrderPeriods.length({ first: "2026-01-01", last: "2026-12-31" }), 365)
    assert.strictEqual(OrderPeriods.display("2026-11-05"), "05/11/2026")
  })

  it("a day in callback data reads back, and nothing else reads as a day", () => {
    assert.strictEqual(OrderPeriods.fromCompact(OrderPeriods.compact("2026-11-30")), "2026-11-30")
    for (const text of ["20260231", "2026113", "abcdefgh", "19991231"]) assert.isUndefined(OrderPeriods.fromCompact(text))
  })

  it("reads today, the last N days, one date and two dates in the ways sellers type them", () => {
    assert.deepStrictEqual(parsed(""), days(today, today))
    assert.deepStrictEqual(parsed("7"), days("2026-11-24", today))
    assert.deepStrictEqual(parsed("1"), days(today, today))
    assert.deepStrictEqual(parsed("01/11 30/11"), days("2026-11-01", "2026-11-30"))
    assert.deepStrictEqual(parsed("1/11 a 30/11"), days("2026-11-01", "2026-11-30"))
    assert.deepStrictEqual(parsed("2026-11-01 2026-11-30"), days("2026-11-01", "2026-11-30"))
    assert.deepStrictEqual(parsed("01/11/2026 até 15/11/26"), days("2026-11-01", "2026-11-15"))
    assert.deepStrictEqual(parsed("29/11"), days("2026-11-29", "2026-11-29"))
  })

  it("a date without its year is the latest one up to today", () => {
    assert.deepStrictEqual(parsed("01/12 31/12", "2027-01-05"), days("2026-12-01", "2026-12-31"))
    assert.deepStrictEqual(parsed("01/12 05/01", "2027-01-05"), days("2026-12-01", "2027-01-05"))
    assert.deepStrictEqual(parsed("29/02", "2026-03-10"), Result.fail("NoSuchDate"), "2026 and 2025 have no 29 February")
    assert.deepStrictEqual(parsed("29/02", "2029-03-10"), days("2028-02-29", "2028-02-29"))
  })

  it("refuses what is no period, dates that do not exist, reversed dates and periods over a year", () => {
    for (const args of ["ontem", "0", "7 dias", "01/11 02/11 03/11", "1.11", "-3"]) {
      assert.deepStrictEqual(parsed(args), Result.fail("Unreadable"), args)
    }
    assert.deepStrictEqual(parsed("31/02"), Result.fail("NoSuchDate"))
    assert.deepStrictEqual(parsed("2026-13-01"), Result.fail("NoSuchDate"))
    assert.deepStrictEqual(parsed("30/11 01/11"), Result.fail("Reversed"))
    assert.deepStrictEqual(parsed("367"), Result.fail("TooLong"))
    assert.deepStrictEqual(parsed("366"), days("2025-11-30", today))
    assert.deepStrictEqual(parsed("2025-01-01 2026-11-30"), Result.fail("TooLong"))
  })
})
