/**
 * Vitest global setup: the integration tests run against the machine's real
 * PostgreSQL, Redis and Docker engine, so a missing one fails the run with how to start it.
 */
import * as Net from "node:net"

const dockerSocket = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock"

const services = [
  {
    name: "PostgreSQL",
    url: process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
  },
  {
    name: "Redis",
    url: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    start: "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no"
  },
  {
    name: "the Docker engine",
    url: `unix://${dockerSocket}`,
    start: "apt-get install -y docker.io docker-compose mmdebstrap && dockerd --bridge=none --iptables=false &"
  }
]

const reachable = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port, protocol, pathname } = new URL(url)
    const socket = protocol === "unix:" ? Net.connect({ path: pathname }) : Net.connect({ host: hostname, port: Number(port) })
    socket.setTimeout(2_000)
    socket.once("connect", () => (socket.destroy(), resolve(true)))
    socket.once("timeout", () => (socket.destroy(), resolve(false)))
    socket.once("error", () => resolve(false))
  })

export default async function checkServices() {
  const missing: Array<string> = []
  for (const service of services) {
    if (!(await reachable(service.url))) {
      missing.push(`${service.name} is not reachable at ${service.url}; start it with: ${service.start}`)
    }
  }
  if (missing.length > 0) throw new Error(`integration services missing:\n  ${missing.join("\n  ")}`)
}
