import { layers } from "./Harness.ts"
import { queueContract } from "./QueueContract.ts"
import { queueRecovery } from "./QueueRecovery.ts"

queueContract("bullmq", layers.bullmq)
queueRecovery("bullmq", layers.bullmq)
