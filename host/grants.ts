/**
 * Where a Node host keeps the repair grants owners gave it (src/transfer/delegated.ts): one file
 * per owner, DATA/grants/<owner id>.cbor, written atomically (temporary file, fsync, rename), so
 * a crash leaves the old grant or the new one, never half of either. Each holds the capability
 * (its delegate private key among it: the directory is 0700, the files 0600) and the holders
 * updates not yet picked up.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { decode, encode } from 'cborg'
import { clearTmp, syncDir, writeAtomic } from '../src/adapters/storage/fs-atomic.ts'
import type { GrantStore, StoredGrant } from '../src/transfer/delegated.ts'

const OWNER = /^[0-9a-f]{64}$/

export async function openFsGrantStore(dir: string): Promise<GrantStore> {
  const tmp = join(dir, '.tmp')
  await mkdir(tmp, { recursive: true, mode: 0o700 })
  await clearTmp(tmp)
  return {
    async load() {
      const out = new Map<string, StoredGrant>()
      for (const name of await readdir(dir)) {
        const owner = name.replace(/\.cbor$/, '')
        if (!OWNER.test(owner) || !name.endsWith('.cbor')) continue
        try {
          const v = decode(await readFile(join(dir, name)), { strict: true, useMaps: false }) as Partial<StoredGrant>
          if (v.capability instanceof Uint8Array && v.updates instanceof Uint8Array) out.set(owner, { capability: v.capability, updates: v.updates })
        } catch {
          // unreadable: left out (DelegatedRepairs forgets grants it cannot read)
        }
      }
      return out
    },
    async save(owner, grant) {
      if (!OWNER.test(owner)) throw new Error(`Not an owner id: ${owner}`)
      const file = join(dir, `${owner}.cbor`)
      if (grant) await writeAtomic(file, encode({ capability: grant.capability, updates: grant.updates }), tmp)
      else await unlink(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)))
      await syncDir(dir)
    },
  }
}
