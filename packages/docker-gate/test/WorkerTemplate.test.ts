import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as Fs from "node:fs"
import * as Url from "node:url"
import { checks, placementUpdate, workerVariables } from "../src/WorkerTemplate.ts"
import * as Fixtures from "./Fixtures.ts"

const check = checks(Fixtures.template, Fixtures.imageId)

/** The body with `change` applied to a deep copy of it. */
const changed = <A>(make: () => A, change: (body: A) => void): A => {
  const body = structuredClone(make())
  change(body)
  return body
}

const refused = (checked: Result.Result<unknown, string>) => Result.isFailure(checked)

describe("the worker template", () => {
  it("lets the runtimes' own bodies through, as they are", () => {
    assert.deepStrictEqual(check.container(Fixtures.container(), Fixtures.workerName), Result.succeed(Fixtures.container()))
    assert.deepStrictEqual(check.service(Fixtures.service()), Result.succeed(Fixtures.service()))
    assert.deepStrictEqual(check.volume(Fixtures.volume()), Result.succeed(Fixtures.volume()))
    assert.deepStrictEqual(check.secret(Fixtures.secret()), Result.succeed(Fixtures.secret()))
    const byName = changed(Fixtures.service, (body) => (body.TaskTemplate.ContainerSpec.Image = Fixtures.template.image))
    assert.isFalse(refused(check.service(byName)), "a service may name the image or run it by id")
  })

  it("refuses a container with privileges, host mounts, host namespaces, added capabilities or devices", () => {
    const escapes: Record<string, (body: ReturnType<typeof Fixtures.container>) => void> = {
      "privileged": (body) => Object.assign(body.HostConfig, { Privileged: true }),
      "privileged, in Docker's case-insensitive spelling": (body) => Object.assign(body.HostConfig, { privileged: true }),
      "/ bind-mounted": (body) => Object.assign(body.HostConfig, { Binds: ["/:/host"] }),
      "/ as a bind mount": (body) => (body.HostConfig.Mounts = [{ Type: "bind", Source: "/", Target: "/user-data" }]),
      "a second mount": (body) => body.HostConfig.Mounts.push({ Type: "volume", Source: Fixtures.volumeName, Target: "/other" }),
      "another account's volume": (body) => (body.HostConfig.Mounts[0]!.Source = "vigia-session-5519900000000-data"),
      "the host's pid namespace": (body) => Object.assign(body.HostConfig, { PidMode: "host" }),
      "the host's ipc namespace": (body) => Object.assign(body.HostConfig, { IpcMode: "host" }),
      "an added capability": (body) => Object.assign(body.HostConfig, { CapAdd: ["SYS_ADMIN"] }),
      "a device": (body) => Object.assign(body.HostConfig, { Devices: [{ PathOnHost: "/dev/sda" }] }),
      "no capability dropped": (body) => (body.HostConfig.CapDrop = []),
      "privilege escalation allowed": (body) => (body.HostConfig.SecurityOpt = ["seccomp=unconfined"]),
      "a writable root": (body) => (body.HostConfig.ReadonlyRootfs = false),
      "root": (body) => (body.User = "0:0"),
      "another image": (body) => (body.Image = "debian:bookworm"),
      "a command of its own": (body) => Object.assign(body, { Cmd: ["sh", "-c", "cat /user-data/*"] }),
      "another network": (body) => (body.HostConfig.NetworkMode = "bridge"),
      "more memory than allowed": (body) => (body.HostConfig.Memory = body.HostConfig.MemorySwap = 512 * 1024 * 1024),
      "swap": (body) => (body.HostConfig.MemorySwap = -1),
      "more pids than allowed": (body) => (body.HostConfig.PidsLimit = 100_000),
      "code loaded through the environment": (body) => body.Env.push("NODE_OPTIONS=--require=/user-data/x.js"),
      "another deployment's label": (body) => (body.Labels = { ...body.Labels, "org.vigia.deployment": "other" }),
      "a label of its own": (body) => Object.assign(body.Labels, { "com.example": "x" })
    }
    for (const [what, change] of Object.entries(escapes)) {
      assert.isTrue(refused(check.container(changed(Fixtures.container, change), Fixtures.workerName)), what)
    }
    assert.isTrue(refused(check.container(Fixtures.container(), "vigia-session-5519900000000")), "a name of another account")
    assert.isTrue(refused(check.container(Fixtures.container(), "portainer")), "a name that is not a worker's")
  })

  it("refuses a service that mounts the host, gets privileges or another account's secret", () => {
    type Service = ReturnType<typeof Fixtures.service>
    const escapes: Record<string, (body: Service) => void> = {
      "/ as a bind mount": (body) => Object.assign(body.TaskTemplate.ContainerSpec.Mounts[0]!, { Type: "bind", Source: "/" }),
      "a volume driver binding the host": (body) =>
        Object.assign(body.TaskTemplate.ContainerSpec.Mounts[0]!.VolumeOptions!.DriverConfig.Options, { type: "none", o: "bind", device: "/" }),
      "privileges": (body) => Object.assign(body.TaskTemplate.ContainerSpec, { Privileges: { NoNewPrivileges: false } }),
      "an added capability": (body) => Object.assign(body.TaskTemplate.ContainerSpec, { CapabilityAdd: ["SYS_ADMIN"] }),
      "a published port": (body) => Object.assign(body, { EndpointSpec: { Ports: [{ TargetPort: 22, PublishedPort: 22 }] } }),
      "another account's secret": (body) => (body.TaskTemplate.ContainerSpec.Secrets[0]!.SecretName = "vigia-session-5519900000000-0123456789abcdef"),
      "another image": (body) => (body.TaskTemplate.ContainerSpec.Image = "debian:bookworm"),
      "global mode": (body) => Object.assign(body, { Mode: { Global: {} } })
    }
    for (const [what, change] of Object.entries(escapes)) assert.isTrue(refused(check.service(changed(Fixtures.service, change))), what)
  })

  it("refuses a volume bound to the host and a secret carrying other variables", () => {
    assert.isTrue(refused(check.volume({ ...Fixtures.volume(), DriverOpts: { type: "none", o: "bind", device: "/" } })))
    assert.isTrue(refused(check.volume({ ...Fixtures.volume(), Driver: "local" })))
    const injected = { ...Fixtures.secret(), Data: Fixtures.secretData(["SESSION_KEY='c2VjcmV0'", "NODE_OPTIONS='--require=/user-data/x.js'"]) }
    assert.isTrue(refused(check.secret(injected)))
  })

  it("lets a pool mount its deployment's pools' volume, and nobody else's; an account still only its own", () => {
    const pool = "999417000003"
    const poolsVolume = "vigia-session-999417000000-data"
    const mounting = (source: string) =>
      changed(Fixtures.container, (body) => {
        body.HostConfig.Mounts[0]!.Source = source
        body.Env = [...body.Env, `POOL_ID=${pool}`, "POOL_KEY=c2VjcmV0"]
      })
    assert.isFalse(refused(check.container(mounting(poolsVolume), `vigia-session-${pool}`)))
    assert.isTrue(refused(check.container(mounting(Fixtures.volumeName), `vigia-session-${pool}`)), "an account's volume")
    assert.isTrue(refused(check.container(mounting(poolsVolume), Fixtures.workerName)), "an account mounting the pools'")
    assert.isTrue(refused(check.container(mounting("vigia-session-999418000000-data"), `vigia-session-${pool}`)), "another deployment's pools'")
    const service = changed(Fixtures.service, (body) => {
      body.Name = `vigia-session-${pool}`
      body.TaskTemplate.ContainerSpec.Mounts[0]!.Source = poolsVolume
    })
    assert.isTrue(refused(check.service(service)), "its secret must still be its own")
  })

  it("names exactly the variables the session worker reads", () => {
    const source = ["WorkerConfig.ts", "PoolConfig.ts"]
      .map((file) => Fs.readFileSync(Url.fileURLToPath(new URL(`../../session-worker/src/${file}`, import.meta.url)), "utf8"))
      .join("\n")
    const read = [...source.matchAll(/(?:required|optional)\(\s*"([A-Z][A-Z0-9_]*)"/g)].map((match) => match[1])
    assert.deepStrictEqual([...workerVariables].sort(), [...new Set(read)].sort())
  })

  it("lets an update of a service change its placement constraints and nothing else", () => {
    const current = Fixtures.service()
    const pinned = changed(Fixtures.service, (body) => body.TaskTemplate.Placement.Constraints.push("node.id==k2vq7n2xgm0m"))
    assert.deepStrictEqual(placementUpdate(current, pinned), Result.succeed(pinned))
    const unpinned = changed(Fixtures.service, (body) => (body.TaskTemplate.Placement.Constraints = []))
    assert.isFalse(refused(placementUpdate(pinned, unpinned)))
    const noPlacement = changed(Fixtures.service, (body) => Reflect.deleteProperty(body.TaskTemplate, "Placement"))
    assert.isFalse(refused(placementUpdate(noPlacement, pinned)), "a service the engine shows without placement gets one")
    const sneaked: Record<string, (body: ReturnType<typeof Fixtures.service>) => void> = {
      image: (body) => (body.TaskTemplate.ContainerSpec.Image = "debian:bookworm"),
      "a bind mount": (body) => Object.assign(body.TaskTemplate.ContainerSpec.Mounts[0]!, { Type: "bind", Source: "/" }),
      "a field": (body) => Object.assign(body.TaskTemplate.ContainerSpec, { Privileged: true }),
      "another constraint form": (body) => body.TaskTemplate.Placement.Constraints.push("node.id==x; rm -rf"),
      "a constraint that is not text": (body) => Object.assign(body.TaskTemplate.Placement, { Constraints: [1] })
    }
    for (const [what, change] of Object.entries(sneaked)) {
      assert.isTrue(refused(placementUpdate(current, changed(Fixtures.service, change))), what)
    }
    assert.isTrue(refused(placementUpdate(current, "not a service")))
  })
})
