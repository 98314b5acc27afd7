/**
 * A process that writes shares into an FsShareStore as fast as it can, printing `acked <key>`
 * once each put has resolved: the crash test (adapters/storage/fs-crash.test.ts) kills it with
 * SIGKILL mid-write and checks what a reopened store claims. Each share's root is the SHA-256 of
 * its bytes, so the test can tell served bytes from torn ones. Output: `acked <index> <key> <root>`.
 *   node --import tsx src/testing/fs-crash-writer.ts <dir> <first index>
 */
import { createHash, randomBytes } from 'node:crypto'
import { openFsShareStore } from '../adapters/storage/fs.ts'

/** Every fourth write replaces an earlier share (the replace path: its old claim is dropped first). */
export function target(i: number): string {
  return i % 4 === 3 ? `s${i - 3}` : `s${i}`
}

const [dir, first] = process.argv.slice(2)
if (!dir) throw new Error('usage: fs-crash-writer <dir> <first index>')
const store = await openFsShareStore(dir)
for (let i = Number(first ?? 0); ; i++) {
  // Sizes from 64 KiB to 1 MiB, so writes are long enough to be cut.
  const bytes = randomBytes(65536 * (1 + (i % 16)))
  const key = target(i)
  const root = createHash('sha256').update(bytes).digest()
  await store.put({ key, size: bytes.length, root, owners: [{ owner: new Uint8Array(32).fill(1), since: 1 }], storedAt: Date.now() }, bytes)
  process.stdout.write(`acked ${i} ${key} ${root.toString('hex')}\n`)
}
