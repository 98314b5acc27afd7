/**
 * Loaded only by end-to-end tests (a lazy chunk, never fetched by the app itself): runs the
 * adapter contract suites inside the real browser.
 */
import { openIdbShareStore } from '../adapters/storage/idb.ts'
import { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
import { shareStoreContract } from './share-store-contract.ts'
import { recordStoreContract } from './record-store-contract.ts'

export interface CaseResult {
  readonly name: string
  readonly ok: boolean
  readonly error?: string
}

/** Runs every ShareStore contract case against IndexedDB, each on a database of its own. */
export async function runIdbShareStoreContract(options: { smallCapacity?: number; only?: string } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of shareStoreContract.entries()) {
    if (options.only !== undefined && c.name !== options.only) continue
    const name = `layr-contract-${Date.now()}-${i}`
    try {
      await c.run({
        open: () => openIdbShareStore(name),
        reopen: () => openIdbShareStore(name),
        ...(options.smallCapacity ? { openSmall: async () => ({ store: await openIdbShareStore(name), capacity: options.smallCapacity! }) } : {}),
      })
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    } finally {
      indexedDB.deleteDatabase(name)
    }
  }
  return results
}

/** Runs every RecordStore contract case against IndexedDB, each on a database of its own. */
export async function runIdbRecordStoreContract(options: { only?: string } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of recordStoreContract.entries()) {
    if (options.only !== undefined && c.name !== options.only) continue
    const name = `layr-record-contract-${Date.now()}-${i}`
    try {
      await c.run({ open: () => openIdbRecordStore(name), reopen: () => openIdbRecordStore(name) })
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    } finally {
      indexedDB.deleteDatabase(name)
    }
  }
  return results
}

/** Runs every PeerNetwork contract case on this tab's libp2p network, against `host` (a tab that hosts). */
export async function runLibp2pNetworkContract(options: { host: string; only?: string }): Promise<CaseResult[]> {
  const { net } = await import('../net/runtime.ts')
  const { peerNetworkContract } = await import('./peer-network-contract.ts')
  const lib = net.lib
  const node = net.node
  if (!lib || !node) throw new Error('Start the network first.')
  const absent = lib.peerIdFromPrivateKey(await lib.generateKeyPair('Ed25519')).toString()
  const results: CaseResult[] = []
  for (const c of peerNetworkContract) {
    if (options.only !== undefined && c.name !== options.only) continue
    try {
      await c.run({ net: lib.libp2pNetwork(node), self: node.peerId.toString(), host: options.host, absent })
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    }
  }
  return results
}
