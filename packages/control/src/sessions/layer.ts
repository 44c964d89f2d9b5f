/**
 * The sessions concern as one layer, configured from `SessionsConfig` and `PoolingConfig`: the session keys, the
 * container manager over the configured runtime (each account with its own Redis user; several accounts to a
 * worker when pooled), the gateway to the workers, the watched chats, and the node each Swarm worker is pinned to.
 * It needs the data layer's `Sessions`, `Users` and `ActiveGroups`, and the control plane's `Queue`.
 */
import { Layer } from "effect"
import * as PoolingConfig from "../config/PoolingConfig.ts"
import * as SessionsConfig from "../config/SessionsConfig.ts"
import * as ContainerManager from "./manager/ContainerManager.ts"
import * as Pools from "./manager/Pools.ts"
import { SessionStore } from "./manager/SessionStore.ts"
import { WorkerEnvironment } from "./manager/WorkerEnvironment.ts"
import { NodePins } from "./runtimes/NodePins.ts"
import * as SelectedRuntime from "./runtimes/SelectedRuntime.ts"
import { SessionGateway } from "./SessionGateway.ts"
import { SessionKeys } from "./SessionKeys.ts"
import { WatchedChats } from "./WatchedChats.ts"
import { WorkerRedisUsers } from "./WorkerRedisUsers.ts"

const Manager = ContainerManager.layerConfig(SessionsConfig.manager).pipe(
  Layer.provide(Layer.mergeAll(
    Pools.layerConfig(PoolingConfig.pooling).pipe(Layer.provide(SelectedRuntime.layerConfig(SessionsConfig.runtime))),
    WorkerEnvironment.layerConfig(SessionsConfig.worker),
    SessionStore.layer
  )),
  Layer.provide(WorkerRedisUsers.layerConfig(SessionsConfig.workerRedis))
)

export const layer = WatchedChats.layer.pipe(
  Layer.provideMerge(SessionGateway.layerConfig(SessionsConfig.gateway)),
  Layer.provideMerge(Manager),
  Layer.provideMerge(SessionKeys.layerConfig(SessionsConfig.keys)),
  Layer.provideMerge(NodePins.layer)
)
