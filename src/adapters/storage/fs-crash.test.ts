/**
 * kill -9 while shares are being written: a writer process (testing/fs-crash-writer.ts) is
 * killed at a random moment, again and again on the same directory, and after each kill the
 * reopened store must hold every share it acknowledged (with the bytes of its latest
 * acknowledged put, or of a later put of that key still in flight) and claim nothing it cannot
 * serve: every listed share's bytes are whole and hash to its root.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFsShareStore } from './fs.ts'

/** The key the writer's put number i writes (as fs-crash-writer.ts does). */
const target = (i: number): string => (i % 4 === 3 ? `s${i - 3}` : `s${i}`)

const dir = mkdtempSync(join(tmpdir(), 'layr-fs-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the writer until `acks` puts are acknowledged plus a random moment more, then SIGKILLs it. */
function writeAndKill(first: number, acks: number): Promise<{ acked: Map<string, string>; inFlight: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/fs-crash-writer.ts', dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acked = new Map<string, string>()
    let last = first - 1
    let buf = ''
    let err = ''
    let armed = false
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop()!
      for (const line of lines) {
        const [, i, key, root] = line.split(' ')
        acked.set(key!, root!)
        last = Number(i)
      }
      if (!armed && acked.size >= acks) {
        armed = true
        // Somewhere inside the next put or two (a put here takes a few ms to tens of ms).
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 40)
      }
    })
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve({ acked, inFlight: target(last + 1) }) : reject(new Error(`writer exited ${code}: ${err}`)),
    )
  })
}

describe('FsShareStore after kill -9 mid-write', () => {
  it('keeps every acknowledged share and claims none it cannot serve, over repeated crashes', async () => {
    const expected = new Map<string, string>()
    let first = 0
    for (let round = 0; round < 6; round++) {
      const { acked, inFlight } = await writeAndKill(first, 3 + round)
      first += 64
      for (const [k, r] of acked) expected.set(k, r)
      const store = await openFsShareStore(dir)
      const listed = await store.list()
      const held = new Map(listed.map((r) => [r.key, r]))
      for (const r of listed) {
        const bytes = await store.get(r.key)
        expect(bytes?.length, `${r.key} is whole`).toBe(r.size)
        expect(createHash('sha256').update(bytes!).digest('hex'), `${r.key} hashes to its root`).toBe(Buffer.from(r.root).toString('hex'))
      }
      for (const [key, root] of expected) {
        const r = held.get(key)
        const got = r && Buffer.from(r.root).toString('hex')
        if (key === inFlight) {
          // The put cut by the kill: the old share, the new one whole, or (a replace drops the
          // old claim first) neither; never torn (checked above).
          if (got === undefined) expected.delete(key)
          else expected.set(key, got)
          continue
        }
        expect(got, `acknowledged share ${key}`).toBe(root)
      }
      const u = await store.usage()
      expect(u.shares).toBe(listed.length)
      expect(u.bytes).toBe(listed.reduce((n, r) => n + r.size, 0))
      await store.close()
      expect(readdirSync(join(dir, 'tmp'))).toEqual([])
    }
    expect(expected.size).toBeGreaterThan(10)
  }, 120_000)
})
