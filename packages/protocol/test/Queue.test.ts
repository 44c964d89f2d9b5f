import { layers } from "./Harness.ts"
import { queueContract } from "./QueueContract.ts"
import { queueRecovery } from "./QueueRecovery.ts"

queueContract("memory", layers.memory)
queueRecovery("memory", layers.memory)
