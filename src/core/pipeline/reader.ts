import { InvalidInputError } from '../errors.ts'

/** What the encoder needs of a file: a size, slices, and (faster) a byte stream. A DOM Blob/File fits. */
export interface BlobLike {
  readonly size: number
  readonly name?: string
  readonly type?: string
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer>; stream?(): ReadableStream<Uint8Array> }
  stream?(): ReadableStream<Uint8Array>
}

/**
 * Reads a file front to back, one segment at a time, into buffers the caller recycles.
 *
 * In Chromium a BYOB reader on blob.stream() is the fast way (no fresh memory per segment:
 * encoding 1 GiB from a picked file peaks at ~35 MiB of heap, against 150–470 MiB of dead
 * chunks with a default reader; ~1,300 vs ~1,000 MB/s). But on a disk-backed File a bare BYOB
 * read() now and then never settles: reading a 1 GiB picked file whole, it stalled in 21 of
 * 136 reads (4 MiB and 256 KiB views alike, at any offset, the page staying responsive),
 * where a default reader stalled in none of 60 and slices in none of 20. So each BYOB read is
 * raced against a `stallMs` timer; if it loses, the rest of the file is read through a default
 * reader on a slice from where the segment began (once per file: a disk merely that slow
 * changes reader once, never loops). With that timer armed, no BYOB read stalled in 60 whole
 * reads (why an armed timer helps is not known); the fallback is for the day one does.
 * Without streams, slices are read one by one.
 */
export interface SequentialReader {
  /** The next `length` bytes, in `buffer` when it is big enough (it may be transferred: use the result's buffer). */
  read(length: number, buffer?: ArrayBuffer): Promise<Uint8Array<ArrayBuffer>>
  cancel(): Promise<void>
}

export interface ReaderOptions {
  /** How long a BYOB read may make no progress before the reader changes (default 3 s). */
  readonly stallMs?: number
}

const DEFAULT_STALL_MS = 3000

function changed(expected: number, got: number): InvalidInputError {
  return new InvalidInputError(
    `The file changed while it was read (expected ${expected} more bytes, got ${got}). Back it up again once it is no longer being written.`,
  )
}

export function openReader(blob: BlobLike, options: ReaderOptions = {}): SequentialReader {
  if (typeof blob.stream !== 'function') return sliceReader(blob, 0)
  const stream = blob.stream()
  let byob: ReadableStreamBYOBReader
  try {
    byob = stream.getReader({ mode: 'byob' })
  } catch {
    return streamReader(stream.getReader())
  }
  return byobReader(blob, byob, options.stallMs ?? DEFAULT_STALL_MS)
}

function sliceReader(blob: BlobLike, start: number): SequentialReader {
  let offset = start
  return {
    async read(length) {
      const buf = await blob.slice(offset, offset + length).arrayBuffer()
      if (buf.byteLength !== length) throw changed(length, buf.byteLength)
      offset += length
      return new Uint8Array(buf)
    },
    async cancel() {},
  }
}

const STALLED = Symbol('stalled')

/** `p`, or STALLED when it has not settled within `ms`. */
function orStalled<T>(p: Promise<T>, ms: number): Promise<T | typeof STALLED> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const stalled = new Promise<typeof STALLED>((resolve) => {
    timer = setTimeout(() => resolve(STALLED), ms)
  })
  return Promise.race([p, stalled]).finally(() => clearTimeout(timer))
}

function byobReader(blob: BlobLike, reader: ReadableStreamBYOBReader, stallMs: number): SequentialReader {
  let offset = 0
  let fallback: SequentialReader | undefined
  /** The next `length` bytes through BYOB, or STALLED (the bytes of this read are then lost). */
  const readByob = async (length: number, buffer?: ArrayBuffer): Promise<Uint8Array<ArrayBuffer> | typeof STALLED> => {
    let buf = buffer && buffer.byteLength >= length ? buffer : new ArrayBuffer(length)
    let filled = 0
    while (filled < length) {
      const pending = reader.read(new Uint8Array(buf, filled, length - filled))
      pending.catch(() => undefined) // a read given up on may still reject later
      const r = await orStalled(pending, stallMs)
      if (r === STALLED) return STALLED
      const { value, done } = r
      if (done || !value) throw changed(length, filled)
      buf = value.buffer as ArrayBuffer
      filled += value.byteLength
    }
    return new Uint8Array(buf, 0, length)
  }
  return {
    async read(length, buffer) {
      if (!fallback) {
        const got = await readByob(length, buffer)
        if (got !== STALLED) {
          offset += length
          return got
        }
        void reader.cancel().catch(() => undefined)
        const rest = blob.slice(offset, blob.size)
        fallback = typeof rest.stream === 'function' ? streamReader(rest.stream().getReader()) : sliceReader(blob, offset)
      }
      const got = await fallback.read(length, buffer && buffer.byteLength > 0 ? buffer : undefined)
      offset += length
      return got
    },
    async cancel() {
      if (fallback) await fallback.cancel()
      else await reader.cancel().catch(() => undefined)
    },
  }
}

function streamReader(reader: ReadableStreamDefaultReader<Uint8Array>): SequentialReader {
  let pending: Uint8Array | undefined
  return {
    async read(length, buffer) {
      const out = new Uint8Array(buffer && buffer.byteLength >= length ? buffer : new ArrayBuffer(length), 0, length)
      let filled = 0
      while (filled < length) {
        let chunk = pending
        pending = undefined
        if (!chunk) {
          const r = await reader.read()
          if (r.done) throw changed(length, filled)
          chunk = r.value
        }
        const take = Math.min(chunk.length, length - filled)
        out.set(chunk.subarray(0, take), filled)
        filled += take
        if (take < chunk.length) pending = chunk.subarray(take)
      }
      return out
    },
    async cancel() {
      await reader.cancel().catch(() => undefined)
    },
  }
}
