/// <reference lib="webworker" />
/** Worker side of WorkerHasher: hashes the shares it is sent and hands the buffers back. */
import { rootsOf } from '../../core/merkle/index.ts'
import type { HashRequest, HashResponse } from './protocol.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope

scope.onmessage = async (event: MessageEvent<HashRequest>) => {
  const { id, buffers, shareSize } = event.data
  let reply: HashResponse
  try {
    reply = { id, ok: true, roots: await rootsOf(buffers, shareSize), buffers }
  } catch (err) {
    reply = { id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), buffers }
  }
  scope.postMessage(reply, [...reply.buffers, ...(reply.ok ? reply.roots.map((r) => r.buffer as ArrayBuffer) : [])])
}
