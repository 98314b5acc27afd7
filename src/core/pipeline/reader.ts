import { InvalidInputError } from '../errors.ts'

/** What the encoder needs of a file: a size, slices, and (faster) a byte stream. A DOM Blob/File fits. */
export interface BlobLike {
  readonly size: number
  readonly name?: string
  readonly type?: string
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> }
  stream?(): ReadableStream<Uint8Array>
}

/**
 * Reads a file front to back, one segment at a time, into buffers the caller recycles.
 * In Chromium a BYOB reader on blob.stream() runs ~5x faster than blob.slice().arrayBuffer()
 * (no fresh memory per segment); other readers are the fallbacks.
 */
export interface SequentialReader {
  /** The next `length` bytes, in `buffer` when it is big enough (it may be transferred: use the result's buffer). */
  read(length: number, buffer?: ArrayBuffer): Promise<Uint8Array<ArrayBuffer>>
  cancel(): Promise<void>
}

function changed(expected: number, got: number): InvalidInputError {
  return new InvalidInputError(
    `The file changed while it was read (expected ${expected} more bytes, got ${got}). Back it up again once it is no longer being written.`,
  )
}

export function openReader(blob: BlobLike): SequentialReader {
  if (typeof blob.stream === 'function') {
    const stream = blob.stream()
    try {
      return byobReader(stream.getReader({ mode: 'byob' }))
    } catch {
      return defaultReader(stream.getReader())
    }
  }
  return sliceReader(blob)
}

function sliceReader(blob: BlobLike): SequentialReader {
  let offset = 0
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

function byobReader(reader: ReadableStreamBYOBReader): SequentialReader {
  return {
    async read(length, buffer) {
      let buf = buffer && buffer.byteLength >= length ? buffer : new ArrayBuffer(length)
      let filled = 0
      while (filled < length) {
        const { value, done } = await reader.read(new Uint8Array(buf, filled, length - filled))
        if (done || !value) {
          if (value) buf = value.buffer as ArrayBuffer
          throw changed(length, filled)
        }
        buf = value.buffer as ArrayBuffer
        filled += value.byteLength
      }
      return new Uint8Array(buf, 0, length)
    },
    async cancel() {
      await reader.cancel().catch(() => undefined)
    },
  }
}

function defaultReader(reader: ReadableStreamDefaultReader<Uint8Array>): SequentialReader {
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
