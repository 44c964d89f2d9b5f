/**
 * What the gate does with each request of the Docker Engine API: only those the `docker` and `swarm` runtimes
 * make, each with only the query parameters it takes; a request on one resource is served only when the resource
 * carries Vigia's labels, lists only show such resources, and anything else is refused.
 */
import { Predicate } from "effect"
import { deploymentLabel, roleLabel, volumeNamePattern, type WorkerTemplate, workerNamePattern } from "./WorkerTemplate.ts"

/** What a resource is, where its labels and id are in the engine's answers about it. */
export type Owned = "container" | "service" | "volume" | "secret"
export type Listed = "containers" | "services" | "tasks" | "secrets"

export type Route =
  /** A read that shows nothing of other resources: the engine's version, the worker image. */
  | { readonly _tag: "Forward"; readonly method: "GET"; readonly path: string }
  /** The swarm's nodes, each reduced to what placement reads: its id, availability and state. */
  | { readonly _tag: "Nodes" }
  /** An update of a worker service's placement, served only when the service is Vigia's and nothing else changes. */
  | { readonly _tag: "UpdatePlacement"; readonly name: string; readonly query: string }
  /** A list, answered with Vigia's resources only. */
  | { readonly _tag: "List"; readonly kind: Listed; readonly path: string }
  /** A resource created from the template: its body is checked, and only the checked body is sent on. */
  | { readonly _tag: "Create"; readonly kind: Owned; readonly path: string; readonly name?: string }
  /** A request on one resource, served only when the resource is Vigia's: inspected, or acted on by its id. */
  | { readonly _tag: "OnOwn"; readonly kind: Owned; readonly name: string; readonly act: Act | undefined }
  | { readonly _tag: "Refuse"; readonly reason: string }

const refuse = (reason: string): Route => ({ _tag: "Refuse", reason })

/** The query reduced to `allowed` parameters, each matching its pattern; or what is wrong with it. */
const reduce = (query: URLSearchParams, allowed: Readonly<Record<string, RegExp>>): string | { readonly wrong: string } => {
  const kept = new URLSearchParams()
  for (const [name, value] of query) {
    const pattern = allowed[name]
    if (pattern === undefined) return { wrong: `the parameter ${name} is not allowed here` }
    if (!pattern.test(value)) return { wrong: `the parameter ${name} has a value not allowed here` }
    kept.append(name, value)
  }
  return kept.toString()
}

const flag = /^(true|false|1|0)$/
const anything = /^[\s\S]{0,4096}$/
const resourceName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

type Act = { readonly method: "POST" | "DELETE"; readonly suffix: string; readonly query: string }

/** A route over one query, or the refusal of its parameters. */
const withQuery = (query: URLSearchParams, allowed: Readonly<Record<string, RegExp>>, make: (kept: string) => Route): Route => {
  const reduced = reduce(query, allowed)
  return typeof reduced === "string" ? make(reduced) : refuse(reduced.wrong)
}

const onOwn = (kind: Owned, name: string | undefined, act?: Act): Route =>
  name !== undefined && resourceName.test(name) ? { _tag: "OnOwn", kind, name, act } : refuse(`${name} is not a name the gate serves`)

const notAnOperation = (method: string, path: string) => refuse(`${method} ${path} is not an operation of the session workers`)

/** The route of `method` `url` (path and query; an API version prefix such as `/v1.41` is allowed). */
export const route = (template: WorkerTemplate, method: string, url: string): Route => {
  const parsed = URL.parse(url, "http://gate")
  if (parsed === null) return refuse("the request's address does not parse")
  const path = parsed.pathname.replace(/^\/v[0-9]+\.[0-9]+(?=\/)/, "")
  const query = parsed.searchParams
  const bare = [...query.keys()].length === 0
  const noQuery = (make: () => Route): Route => (bare ? make() : refuse("no parameters allowed here"))
  // An image's name holds slashes (`vigia/session-worker:latest`): the one path matched whole.
  const image = /^\/images\/(.+)\/json$/.exec(path)?.[1]
  if (method === "GET" && image !== undefined) {
    return decodeURIComponent(image) === template.image && bare
      ? { _tag: "Forward", method: "GET", path: `/images/${encodeURIComponent(template.image)}/json` }
      : refuse("only the worker image may be inspected")
  }
  const [first, second, third, ...rest] = path.split("/").slice(1).map(decodeURIComponent)
  if (rest.length > 0) return notAnOperation(method, path)
  const key = `${method} ${first ?? ""}${second === undefined ? "" : " *"}${third === undefined ? "" : ` ${third}`}`
  const created = (kind: Owned) =>
    second === "create" && bare ? { _tag: "Create", kind, path: `${basePath[kind]}/create` } as const : refuse(`only a worker ${kind} may be created`)
  const listed = (kind: Listed, allowed: Readonly<Record<string, RegExp>>) =>
    withQuery(query, allowed, (kept) => ({ _tag: "List", kind, path: `/${kind === "containers" ? "containers/json" : kind}?${kept}` }))

  switch (key) {
    case "GET _ping":
    case "GET version":
      return noQuery(() => ({ _tag: "Forward", method: "GET", path: `/${first}` }))
    case "GET containers *":
      return second === "json" ? listed("containers", { all: flag, filters: anything }) : notAnOperation(method, path)
    case "POST containers *": {
      const name = query.get("name")
      if (second !== "create") return notAnOperation(method, path)
      return withQuery(query, { name: workerNamePattern }, (kept) =>
        name === null
          ? refuse("a worker container is created with its name")
          : { _tag: "Create", kind: "container", path: `/containers/create?${kept}`, name })
    }
    case "GET containers * json":
      return noQuery(() => onOwn("container", second))
    case "POST containers * start":
      return noQuery(() => onOwn("container", second, { method: "POST", suffix: "/start", query: "" }))
    case "POST containers * stop":
      return withQuery(query, { t: /^[0-9]{1,4}$/ }, (kept) => onOwn("container", second, { method: "POST", suffix: "/stop", query: kept }))
    case "DELETE containers *":
      return withQuery(query, { force: flag, v: flag }, (kept) => onOwn("container", second, { method: "DELETE", suffix: "", query: kept }))
    case "POST volumes *":
      return created("volume")
    case "GET volumes *":
      return noQuery(() => onOwn("volume", second))
    // Only a worker's volume, by its name, and only when it is this deployment's (an account's data erased).
    case "DELETE volumes *":
      return second !== undefined && volumeNamePattern.test(second)
        ? noQuery(() => onOwn("volume", second, { method: "DELETE", suffix: "", query: "" }))
        : refuse("only a session worker's volume may be removed")
    case "GET services":
      return listed("services", { filters: anything, status: flag })
    case "POST services *":
      return created("service")
    case "GET services *":
      return noQuery(() => onOwn("service", second))
    case "POST services * update":
      return withQuery(query, { version: /^[0-9]{1,20}$/ }, (kept) =>
        second !== undefined && resourceName.test(second) && kept !== ""
          ? { _tag: "UpdatePlacement", name: second, query: kept }
          : refuse("a worker service is updated by its name and version"))
    case "GET nodes":
      return noQuery(() => ({ _tag: "Nodes" }))
    case "DELETE services *":
      return noQuery(() => onOwn("service", second, { method: "DELETE", suffix: "", query: "" }))
    case "GET tasks":
      return listed("tasks", { filters: anything })
    case "GET secrets":
      return listed("secrets", { filters: anything })
    case "POST secrets *":
      return created("secret")
    case "GET secrets *":
      return noQuery(() => onOwn("secret", second))
    case "DELETE secrets *":
      return noQuery(() => onOwn("secret", second, { method: "DELETE", suffix: "", query: "" }))
    default:
      return notAnOperation(method, path)
  }
}

/** The labels of a resource, where the engine puts them in its inspection (`item` of a list, or one resource). */
export const labelsOf = (kind: Owned | Listed, item: unknown): Readonly<Record<string, unknown>> => {
  const at = (value: unknown, ...path: ReadonlyArray<string>): unknown =>
    path.reduce<unknown>((node, step) => (Predicate.hasProperty(node, step) ? node[step] : undefined), value)
  const labels = (() => {
    switch (kind) {
      case "container":
        return at(item, "Config", "Labels")
      case "containers":
      case "volume":
        return at(item, "Labels")
      case "tasks":
        return at(item, "Spec", "ContainerSpec", "Labels")
      default:
        return at(item, "Spec", "Labels")
    }
  })()
  return Predicate.isObject(labels) ? labels : {}
}

/** What the gate shows of a node: its id, availability and state; no address, name, label nor engine detail. */
export const nodeSummary = (item: unknown) => {
  const at = (value: unknown, ...path: ReadonlyArray<string>): unknown =>
    path.reduce<unknown>((node, step) => (Predicate.hasProperty(node, step) ? node[step] : undefined), value)
  return {
    ID: at(item, "ID"),
    Spec: { Availability: at(item, "Spec", "Availability") },
    Status: { State: at(item, "Status", "State") }
  }
}

/** The id to act on a resource by, from its inspection: acting by id, the resource checked is the one touched. */
export const idOf = (kind: Owned, item: unknown): string | undefined => {
  const field = kind === "container" ? "Id" : kind === "volume" ? "Name" : "ID"
  const id = Predicate.hasProperty(item, field) ? item[field] : undefined
  return typeof id === "string" && resourceName.test(id) ? id : undefined
}

/** A resource of this deployment's session workers. */
export const isOurs = (template: WorkerTemplate, labels: Readonly<Record<string, unknown>>): boolean =>
  labels[roleLabel] === "session-worker" && labels[deploymentLabel] === template.deployment

export const basePath: Record<Owned, string> = {
  container: "/containers",
  service: "/services",
  volume: "/volumes",
  secret: "/secrets"
}

/** Where a resource is inspected. */
export const inspectPath = (kind: Owned, name: string) =>
  `${basePath[kind]}/${encodeURIComponent(name)}${kind === "container" ? "/json" : ""}`
