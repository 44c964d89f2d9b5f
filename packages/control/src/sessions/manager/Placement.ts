/**
 * Where pooled accounts go. Pools are named as accounts are (their containers, services, folders, Redis users and
 * keys all derive from that name), with digits under the calling code 999, which numbering plans leave unassigned:
 * a phone number a person types is never read as one (`PhoneNumber.parse` refuses it), so no pool is an account.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Schema } from "effect"

const poolPattern = /^999([0-9]{9})$/

/** The pool of index `index` (1, 2, …): `999000000001`. */
export const poolId = (index: number): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`999${String(index).padStart(9, "0")}`)

/** Whose data every pool mounts: the accounts' folders move with them from pool to pool. */
export const poolsData: PhoneNumber = poolId(0)

/** The index of a pool's name; none for an account's. */
export const poolIndex = (name: PhoneNumber): number | undefined => {
  const digits = poolPattern.exec(name)?.[1]
  const index = digits === undefined ? 0 : Number(digits)
  return index > 0 ? index : undefined
}

export const isPool = (name: PhoneNumber): boolean => poolIndex(name) !== undefined

/**
 * The pool a new account joins, given how many accounts each pool hosts: the fullest pool with room (the lowest
 * such one on a tie), so partly filled pools stay few; a new pool (the lowest free index) only when all are full.
 */
export const place = (sizes: ReadonlyMap<PhoneNumber, number>, perPool: number): PhoneNumber => {
  const open = [...sizes]
    .filter(([, size]) => size < perPool)
    .sort(([a, sizeA], [b, sizeB]) => sizeB - sizeA || (poolIndex(a) ?? 0) - (poolIndex(b) ?? 0))
  const chosen = open[0]
  if (chosen !== undefined) return chosen[0]
  let index = 1
  while (sizes.has(poolId(index))) index += 1
  return poolId(index)
}
