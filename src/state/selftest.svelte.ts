import { createWorkerHasher } from '../adapters/hashing/worker-hasher.ts'
import { workerEncoder } from '../adapters/encoding/worker-encoder.ts'
import { DEFAULT_POLICY, Vault, encodeFile, decodeFile, LayrError, type FetchShare, type PipelineProgress } from '../core/index.ts'

export type SelfTestStage = 'idle' | 'encoding' | 'decoding' | 'done' | 'failed'

/**
 * A local round trip of one file through the whole pipeline (encrypt, code,
 * hash, then fetch k of n shares, verify, decode, decrypt) with shares kept in
 * memory. It shows what Layr does to a file before any of it leaves the tab.
 */
export class SelfTest {
  // Workers are made on the first run, not when the app starts.
  #workers: { hasher: ReturnType<typeof createWorkerHasher>; encoder: ReturnType<typeof workerEncoder> } | undefined

  stage = $state<SelfTestStage>('idle')
  fileName = $state('')
  bytesTotal = $state(0)
  bytesDone = $state(0)
  shares = $state(0)
  message = $state('')
  match = $state<boolean | undefined>(undefined)

  get fraction(): number {
    return this.bytesTotal === 0 ? (this.stage === 'done' ? 1 : 0) : this.bytesDone / this.bytesTotal
  }

  async run(file: File): Promise<void> {
    this.fileName = file.name
    this.bytesTotal = file.size
    this.bytesDone = 0
    this.shares = 0
    this.match = undefined
    this.message = ''
    try {
      const workers = (this.#workers ??= { hasher: createWorkerHasher(), encoder: workerEncoder() })
      const vault = await Vault.create()
      const store = new Map<string, Uint8Array>()
      const onProgress = (e: PipelineProgress): void => {
        if (e.type === 'encode:segment' || e.type === 'decode:segment') this.bytesDone = e.bytesDone
      }
      this.stage = 'encoding'
      const gen = encodeFile(file, DEFAULT_POLICY, vault, { onProgress, encoder: workers.encoder })
      let r = await gen.next()
      while (!r.done) {
        for (const s of r.value.shares) store.set(`${s.segmentIndex}/${s.shareIndex}`, s.bytes.slice())
        r.value.release()
        this.shares += r.value.shares.length
        r = await gen.next()
      }
      const manifest = r.value
      // Drop n − k shares of every segment, as if those hosts had vanished.
      for (const seg of manifest.segments) {
        for (let i = 0; i < manifest.codec.n - manifest.codec.k; i++) store.delete(`${seg.index}/${i * 2}`)
      }
      this.stage = 'decoding'
      this.bytesDone = 0
      const fetchShare: FetchShare = async (ref) => store.get(`${ref.segmentIndex}/${ref.shareIndex}`)?.slice()
      const original = new Uint8Array(await file.arrayBuffer())
      let offset = 0
      let same = true
      for await (const part of decodeFile(manifest, vault, fetchShare, { onProgress, hasher: workers.hasher })) {
        for (let i = 0; i < part.length && same; i++) if (part[i] !== original[offset + i]) same = false
        offset += part.length
      }
      this.match = same && offset === original.length
      this.stage = 'done'
      this.message = this.match
        ? `Restored ${file.name} from ${manifest.codec.k} of ${manifest.codec.n} shares per segment; every byte matches.`
        : 'The restored bytes differ from the original. Please report this.'
    } catch (err) {
      this.stage = 'failed'
      this.message = err instanceof LayrError ? err.message : `Unexpected error: ${String(err)}`
    }
  }
}
