import { InvalidInputError } from '../errors.ts'
import { merkleRoot } from './tree.ts'

/**
 * Computes the Merkle roots of shares laid out back to back in buffers. Hashing is the
 * pipeline's largest cost (n/k × the file's bytes), so it is a port: the browser runs it in
 * Workers, where WebCrypto hashes in parallel with the page's own encryption. An
 * implementation may take the buffers while it works (transfer them): callers must use the
 * buffers it hands back, which hold the same bytes.
 */
export interface ShareHasher {
  roots(buffers: ArrayBuffer[], shareSize: number): Promise<{ roots: Uint8Array[]; buffers: ArrayBuffer[] }>
  close(): void
}

export function checkHashJob(buffers: readonly ArrayBuffer[], shareSize: number): void {
  if (!Number.isSafeInteger(shareSize) || shareSize <= 0) throw new InvalidInputError(`shareSize must be positive, got ${shareSize}.`)
  for (const b of buffers) {
    if (!(b instanceof ArrayBuffer) || b.byteLength % shareSize !== 0) {
      throw new InvalidInputError(`Each buffer must hold whole shares of ${shareSize} bytes.`)
    }
  }
}

/** Roots of every share in `buffers`, in order, hashed here. */
export async function rootsOf(buffers: readonly ArrayBuffer[], shareSize: number): Promise<Uint8Array[]> {
  checkHashJob(buffers, shareSize)
  const roots: Uint8Array[] = []
  for (const b of buffers) {
    for (let o = 0; o < b.byteLength; o += shareSize) roots.push(await merkleRoot(new Uint8Array(b, o, shareSize)))
  }
  return roots
}

/** Hashes on the calling thread: for Node and tests, and the fallback where Workers are missing. */
export const inlineHasher: ShareHasher = {
  async roots(buffers, shareSize) {
    return { roots: await rootsOf(buffers, shareSize), buffers }
  },
  close() {},
}
