/**
 * The gate's tests' template and the bodies the `docker` and `swarm` runtimes send (their `containerSpec` and
 * `serviceSpec`), to be varied one field at a time. The runtime suites prove the real ones pass through the gate.
 */
import type { WorkerTemplate } from "../src/WorkerTemplate.ts"

export const template: WorkerTemplate = {
  image: "vigia/session-worker:latest",
  deployment: "test-gate",
  network: "host",
  maxMemoryBytes: 256 * 1024 * 1024,
  maxPids: 256
}

export const phone = "5519912345678"
export const workerName = `vigia-session-${phone}`
export const volumeName = `vigia-session-${phone}-data`
export const imageId = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

export const accountLabels = {
  "org.vigia.role": "session-worker",
  "org.vigia.deployment": template.deployment,
  "org.vigia.account": "0123456789abcdef0123456789abcdef"
}
export const labels = { ...accountLabels, "org.vigia.config-hash": "0123456789abcdef" }

const env = [`PHONE_NUMBER=${phone}`, "QUEUE_PREFIX=bull", "TDL_DRIVER=fake", "SESSION_KEY=c2VjcmV0", "DATA_DIR=/user-data"]

export const container = () => ({
  Image: template.image,
  Env: [...env, "REDIS_URL=redis://vigia-bull-5519912345678:secret@127.0.0.1:6379"],
  Labels: labels,
  User: "1000:1000",
  StopSignal: "SIGTERM",
  StopTimeout: 20,
  HostConfig: {
    Init: true,
    NetworkMode: template.network,
    Mounts: [{ Type: "volume", Source: volumeName, Target: "/user-data" }],
    RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
    Memory: 256 * 1024 * 1024,
    MemorySwap: 256 * 1024 * 1024,
    PidsLimit: 256,
    ReadonlyRootfs: true,
    Tmpfs: { "/tmp": "rw,noexec,nosuid,size=67108864" },
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } }
  }
})

export const service = () => ({
  Name: workerName,
  Labels: labels,
  Mode: { Replicated: { Replicas: 1 } },
  TaskTemplate: {
    ContainerSpec: {
      Image: imageId,
      Labels: labels,
      Env: env,
      Secrets: [{
        SecretID: "k2vq7n2xgm0m9y1i2w3e4r5t6",
        SecretName: `${workerName}-0123456789abcdef`,
        File: { Name: "worker.env", UID: "1000", GID: "1000", Mode: 0o400 }
      }],
      User: "1000:1000",
      Init: true,
      ReadOnly: true,
      StopSignal: "SIGTERM",
      StopGracePeriod: 20_000_000_000,
      CapabilityDrop: ["ALL"],
      Mounts: [
        {
          Type: "volume",
          Source: volumeName,
          Target: "/user-data",
          VolumeOptions: { NoCopy: false, Labels: accountLabels, DriverConfig: { Name: "local", Options: {} } }
        },
        { Type: "tmpfs", Source: "", Target: "/tmp", TmpfsOptions: { SizeBytes: 67108864, Mode: 0o1777 } }
      ]
    },
    Resources: { Limits: { MemoryBytes: 256 * 1024 * 1024, Pids: 256 } },
    RestartPolicy: { Condition: "on-failure", Delay: 5_000_000_000, MaxAttempts: 5 },
    Placement: { Constraints: ["node.labels.vigia.sessions==true"] },
    Networks: [{ Target: template.network }],
    LogDriver: { Name: "json-file", Options: { "max-size": "10m", "max-file": "3" } }
  }
})

export const secretData = (lines: ReadonlyArray<string>) => Buffer.from(lines.map((line) => `${line}\n`).join("")).toString("base64")

export const secret = () => ({
  Name: `${workerName}-0123456789abcdef`,
  Labels: accountLabels,
  Data: secretData(["REDIS_URL='redis://u:p@127.0.0.1:6379'", "SESSION_KEY='c2VjcmV0'"])
})

export const volume = () => ({ Name: volumeName, Labels: accountLabels })
