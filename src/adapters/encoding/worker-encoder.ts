/**
 * A SegmentEncoder on a pool of Web Workers: each worker encodes whole segments (AES-GCM,
 * Reed-Solomon, SHA-256 Merkle roots), so segments are coded in parallel on every core. The
 * page reads the file through one sequential BYOB stream (measured ~4x faster than each
 * worker reading slices of the Blob) and transfers each segment's plaintext; every buffer is
 * transferred and recycled, never copied. The file key goes to the workers once per file.
 * Errors raised in a worker come back with their `name`, so typed errors stay typed.
 */
import { LayrError } from '../../core/errors.ts'
import { openReader, type EncodedBuffers, type EncoderFactory, type SegmentEncoder } from '../../core/pipeline/index.ts'
import type { EncodeWorkerRequest, EncodeWorkerResponse } from './protocol.ts'

export class EncodeWorkerError extends LayrError {
  override name = 'EncodeWorkerError'
  constructor(name: string, message: string) {
    super(message)
    // Keep the worker's typed name (InvalidInputError, CancelledError…) when it had one.
    if (name && name !== 'Error') this.name = name
  }
}

interface Pending {
  resolve(r: EncodedBuffers & { plain: ArrayBuffer }): void
  reject(e: Error): void
  index: number
  worker: number
}

let nextSession = 1

/** Workers stay up between files; the pool is made on first use. */
export function workerEncoder(workers = defaultWorkers()): EncoderFactory {
  let pool: Worker[] | undefined
  const pending = new Map<number, Pending>()
  const load: number[] = []
  let nextJob = 1

  const start = (): Worker[] => {
    pool = Array.from({ length: workers }, (_, i) => {
      const w = new Worker(new URL('./encode.worker.ts', import.meta.url), { type: 'module', name: `layr-encode-${i}` })
      w.onmessage = (e: MessageEvent<EncodeWorkerResponse>) => {
        const r = e.data
        const p = pending.get(r.job)
        if (!p) return
        pending.delete(r.job)
        load[p.worker]!--
        if (r.ok) p.resolve({ index: p.index, plain: r.plain, data: r.data, parity: r.parity, roots: r.roots })
        else p.reject(new EncodeWorkerError(r.name, r.message))
      }
      w.onerror = (e) => {
        const err = new EncodeWorkerError('EncodeWorkerError', `An encoding worker failed: ${e.message || 'unknown error'}. Reload the page and try again.`)
        for (const [job, p] of pending)
          if (p.worker === i) {
            pending.delete(job)
            p.reject(err)
          }
      }
      load.push(0)
      return w
    })
    return pool
  }

  return async ({ blob, fileKey, fileId, k, n }): Promise<SegmentEncoder> => {
    const ws = pool ?? start()
    const session = nextSession++
    for (const w of ws) {
      const open: EncodeWorkerRequest = { type: 'open', session, fileKey: fileKey.slice(), fileId, k, n }
      w.postMessage(open)
    }
    const reader = openReader(blob)
    const plainPool: ArrayBuffer[] = []
    let readChain: Promise<unknown> = Promise.resolve()
    return {
      parallelism: ws.length,
      async encode(spec, buffers) {
        const reading = readChain.then(() => reader.read(spec.plaintextLength, plainPool.pop()))
        readChain = reading.catch(() => undefined)
        const plain = (await reading).buffer
        const r = await new Promise<EncodedBuffers & { plain: ArrayBuffer }>((resolve, reject) => {
          const worker = load.indexOf(Math.min(...load))
          load[worker]!++
          const job = nextJob++
          pending.set(job, { resolve, reject, index: spec.index, worker })
          const msg: EncodeWorkerRequest = { type: 'segment', session, job, spec, plain, ...(buffers ? { data: buffers.data, parity: buffers.parity } : {}) }
          ws[worker]!.postMessage(msg, buffers ? [plain, buffers.data, buffers.parity] : [plain])
        })
        if (plainPool.length < ws.length + 1) plainPool.push(r.plain)
        return { index: r.index, data: r.data, parity: r.parity, roots: r.roots }
      },
      close() {
        void reader.cancel()
        for (const w of ws) w.postMessage({ type: 'close', session } satisfies EncodeWorkerRequest)
      },
    }
  }
}

function defaultWorkers(): number {
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2
  return Math.max(2, Math.min(cores, 4))
}
