/// <reference lib="webworker" />
/**
 * Worker side of the Worker encoder: holds, per file (session), the file's cipher, and
 * encodes whole segments it is sent — encrypts, pads, codes, hashes — handing every buffer
 * back by transfer.
 */
import { FileCipher } from '../../core/crypto/index.ts'
import { createReedSolomon, type ReedSolomonScheme } from '../../core/erasure/index.ts'
import { allocateBuffers, codeSegment, segmentRoots } from '../../core/pipeline/index.ts'
import type { EncodeWorkerRequest, EncodeWorkerResponse } from './protocol.ts'

const scope = self as unknown as DedicatedWorkerGlobalScope

interface Session {
  readonly cipher: Promise<FileCipher>
  readonly rs: ReedSolomonScheme
  readonly k: number
  readonly n: number
}

const sessions = new Map<number, Session>()

scope.onmessage = async (event: MessageEvent<EncodeWorkerRequest>) => {
  const msg = event.data
  if (msg.type === 'open') {
    sessions.set(msg.session, {
      cipher: FileCipher.fromKey(msg.fileKey, msg.fileId),
      rs: createReedSolomon(msg.k, msg.n),
      k: msg.k,
      n: msg.n,
    })
    msg.fileKey.fill(0)
    return
  }
  if (msg.type === 'close') {
    sessions.delete(msg.session)
    return
  }
  let reply: EncodeWorkerResponse
  try {
    const s = sessions.get(msg.session)
    if (!s) throw new Error('unknown encoding session')
    const { spec } = msg
    const plaintext = new Uint8Array(msg.plain, 0, spec.plaintextLength)
    const buffers = msg.data && msg.parity ? { data: msg.data, parity: msg.parity } : allocateBuffers(s.k, s.n, spec.shareSize)
    await codeSegment(await s.cipher, s.rs, spec, plaintext, buffers)
    const roots = await segmentRoots(buffers, spec.shareSize)
    reply = { job: msg.job, ok: true, plain: msg.plain, data: buffers.data, parity: buffers.parity, roots }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    reply = { job: msg.job, ok: false, plain: msg.plain, name: e.name, message: e.message }
  }
  scope.postMessage(reply, reply.ok ? [reply.plain, reply.data, reply.parity] : [reply.plain])
}
