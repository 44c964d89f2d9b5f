/**
 * Where pooled accounts go. Pools are named as accounts are (their containers, services, folders, Redis users and
 * keys all derive from that name), with digits under the calling code 999, which numbering plans leave unassigned:
 * a phone number a person types is never read as one (`PhoneNumber.parse` refuses it), so no pool is an account.
 * A pool's twelve digits are `999`, its deployment's space (three digits, from `WORKER_DEPLOYMENT`) and its index
 * (six digits), so two control planes on one engine name their pools apart.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Option, Schema } from "effect"
import * as Crypto from "node:crypto"

const poolPattern = /^999([0-9]{3})([0-9]{6})$/

/** The deployment's space among pool names: three digits from a digest of its name. */
export const spaceOf = (deployment: string): number =>
  Crypto.createHash("sha256").update(deployment).digest().readUInt32BE(0) % 1000

/** The pool of index `index` (1, 2, …) in `space`: `999{space}{index}`, `999417000001` say. */
export const poolId = (space: number, index: number): PhoneNumber =>
  Schema.decodeUnknownSync(PhoneNumber)(`999${String(space).padStart(3, "0")}${String(index).padStart(6, "0")}`)

/** Whose data every pool of `space` mounts (index 0): the accounts' folders move with them from pool to pool. */
export const poolsData = (space: number): PhoneNumber => poolId(space, 0)

/** The index of a pool's name; none for an account's, or for the pools' data. */
export const poolIndex = (name: PhoneNumber): number | undefined => {
  const digits = poolPattern.exec(name)?.[2]
  const index = digits === undefined ? 0 : Number(digits)
  return index > 0 ? index : undefined
}

export const isPool = (name: PhoneNumber): boolean => poolIndex(name) !== undefined

/** A pool as placement sees it: how many accounts it hosts, and the node it is pinned to when known (Swarm). */
export interface PoolState {
  readonly size: number
  readonly node: Option.Option<string>
}

/**
 * The pool a new account joins, given the pools and the node holding the account's folder (none: no node is
 * known, as on every runtime but Swarm). The account goes only into a pool with room on its node, any pool with
 * room when it has none; among those, the fullest (the lowest on a tie), so partly filled pools stay few. A new
 * pool (the lowest free index) only when none fits: the caller records it on the account's node before creating it.
 */
export const place = (
  pools: ReadonlyMap<PhoneNumber, PoolState>,
  perPool: number,
  node: Option.Option<string>,
  space: number
): PhoneNumber => {
  const fits = (pool: PoolState) =>
    pool.size < perPool && Option.match(node, { onNone: () => true, onSome: (own) => Option.contains(pool.node, own) })
  const open = [...pools]
    .filter(([, pool]) => fits(pool))
    .sort(([a, poolA], [b, poolB]) => poolB.size - poolA.size || (poolIndex(a) ?? 0) - (poolIndex(b) ?? 0))
  const chosen = open[0]
  if (chosen !== undefined) return chosen[0]
  let index = 1
  while (pools.has(poolId(space, index))) index += 1
  return poolId(space, index)
}
