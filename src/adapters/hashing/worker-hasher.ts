/**
 * ShareHasher on Web Workers. Measured in Chromium here: SHA-256 calls issued from a Worker
 * run in parallel with the page's own WebCrypto calls (AES-GCM of the next segment), whereas
 * many concurrent calls from one context contend and slow each other down. Buffers are
 * transferred, never copied. Each buffer of a job goes whole to one worker, round robin.
 */
import { checkHashJob, inlineHasher, type ShareHasher } from '../../core/merkle/index.ts'
import { LayrError } from '../../core/errors.ts'
import type { HashRequest, HashResponse } from './protocol.ts'

export class HashWorkerError extends LayrError {
  override readonly name = 'HashWorkerError'
}

interface Pending {
  resolve(r: { roots: Uint8Array[]; buffers: ArrayBuffer[] }): void
  reject(e: Error): void
}

export function createWorkerHasher(workers = 2): ShareHasher {
  if (typeof Worker === 'undefined') return inlineHasher
  const pool = Array.from(
    { length: Math.max(1, workers) },
    () => new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module', name: 'layr-hash' }),
  )
  const pending = new Map<number, Pending>()
  let nextId = 1
  let turn = 0
  for (const w of pool) {
    w.onmessage = (e: MessageEvent<HashResponse>) => {
      const p = pending.get(e.data.id)
      if (!p) return
      pending.delete(e.data.id)
      if (e.data.ok) p.resolve({ roots: e.data.roots, buffers: e.data.buffers })
      else p.reject(new HashWorkerError(`Hashing shares failed in a worker: ${e.data.error}`))
    }
    w.onerror = (e) => {
      const err = new HashWorkerError(`A hashing worker failed: ${e.message || 'unknown error'}. Reload the page.`)
      for (const p of pending.values()) p.reject(err)
      pending.clear()
    }
  }
  const send = (worker: Worker, buffers: ArrayBuffer[], shareSize: number) =>
    new Promise<{ roots: Uint8Array[]; buffers: ArrayBuffer[] }>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      const req: HashRequest = { id, buffers, shareSize }
      worker.postMessage(req, buffers)
    })
  return {
    async roots(buffers, shareSize) {
      checkHashJob(buffers, shareSize)
      const parts = await Promise.all(buffers.map((b) => send(pool[turn++ % pool.length]!, [b], shareSize)))
      return { roots: parts.flatMap((p) => p.roots), buffers: parts.flatMap((p) => p.buffers) }
    },
    close() {
      for (const w of pool) w.terminate()
      for (const p of pending.values()) p.reject(new HashWorkerError('The hasher was closed.'))
      pending.clear()
    },
  }
}
