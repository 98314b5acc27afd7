/**
 * Loaded only by end-to-end tests (a lazy chunk, never fetched by the app itself): runs the
 * adapter contract suites inside the real browser.
 */
import { openIdbShareStore } from '../adapters/storage/idb.ts'
import { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
import { shareStoreContract } from './share-store-contract.ts'
import { recordStoreContract } from './record-store-contract.ts'
import { paymentStoreContract } from './payment-store-contract.ts'
import { openIdbPaymentStore } from '../adapters/storage/idb-payments.ts'

export interface CaseResult {
  readonly name: string
  readonly ok: boolean
  readonly error?: string
}

/** Runs `cases` (or the one named `only`), each with its own setup and clean-up; a failure is a result, not a throw. */
async function runCases<S>(
  cases: ReadonlyArray<{ readonly name: string; run(setup: S): Promise<void> }>,
  only: string | undefined,
  setupFor: (i: number) => { setup: S; cleanUp?: () => void },
): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of cases.entries()) {
    if (only !== undefined && c.name !== only) continue
    const { setup, cleanUp } = setupFor(i)
    try {
      await c.run(setup)
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    } finally {
      cleanUp?.()
    }
  }
  return results
}

/** Runs every ShareStore contract case against IndexedDB, each on a database of its own. */
export function runIdbShareStoreContract(options: { smallCapacity?: number; only?: string } = {}): Promise<CaseResult[]> {
  return runCases(shareStoreContract, options.only, (i) => {
    const name = `layr-contract-${Date.now()}-${i}`
    return {
      setup: {
        open: () => openIdbShareStore(name),
        reopen: () => openIdbShareStore(name),
        ...(options.smallCapacity ? { openSmall: async () => ({ store: await openIdbShareStore(name), capacity: options.smallCapacity! }) } : {}),
      },
      cleanUp: () => void indexedDB.deleteDatabase(name),
    }
  })
}

/** Runs every RecordStore contract case against IndexedDB, each on a database of its own. */
export function runIdbRecordStoreContract(options: { only?: string } = {}): Promise<CaseResult[]> {
  return runCases(recordStoreContract, options.only, (i) => {
    const name = `layr-record-contract-${Date.now()}-${i}`
    return { setup: { open: () => openIdbRecordStore(name), reopen: () => openIdbRecordStore(name) }, cleanUp: () => void indexedDB.deleteDatabase(name) }
  })
}

export function runIdbPaymentStoreContract(options: { only?: string } = {}): Promise<CaseResult[]> {
  return runCases(paymentStoreContract, options.only, (i) => {
    const name = `layr-payment-contract-${Date.now()}-${i}`
    return { setup: { open: () => openIdbPaymentStore(name), reopen: () => openIdbPaymentStore(name) }, cleanUp: () => void indexedDB.deleteDatabase(name) }
  })
}

/** Runs every PeerNetwork contract case on this tab's libp2p network, against `host` (a tab that hosts). */
export async function runLibp2pNetworkContract(options: { host: string; only?: string }): Promise<CaseResult[]> {
  const { net } = await import('../net/runtime.ts')
  const { peerNetworkContract } = await import('./peer-network-contract.ts')
  const lib = net.lib
  const node = net.node
  if (!lib || !node) throw new Error('Start the network first.')
  const absent = lib.peerIdFromPrivateKey(await lib.generateKeyPair('Ed25519')).toString()
  const setup = { net: lib.libp2pNetwork(node), self: node.peerId.toString(), host: options.host, absent }
  return runCases(peerNetworkContract, options.only, () => ({ setup }))
}
