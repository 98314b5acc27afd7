/**
 * This profile's peer identity: an Ed25519 key made once and kept in IndexedDB, so the peer id
 * (which placement and manifests refer to) survives reloads. Tabs of one profile share
 * IndexedDB, so only one of them may be that peer: the first to take the Web Lock
 * 'layr-peer' holds it for as long as it lives; any other tab runs as a client with a
 * throwaway identity and says so (it can back up and restore, but hosts nothing).
 */
import { openDB } from 'idb'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { LayrError } from '../../core/errors.ts'
import { toStoreError } from '../storage/idb.ts'

/** This tab is a client because another tab of the profile is the peer. */
export class NotThePeerTabError extends LayrError {
  override readonly name = 'NotThePeerTabError'
  constructor() {
    super('Another tab of this browser profile is already your Layr peer. Host from that tab, or close it and reload this one.')
  }
}

export type PeerRole = 'peer' | 'client'

export interface PeerIdentity {
  readonly role: PeerRole
  readonly privateKey: PrivateKey
}

const LOCK = 'layr-peer'
let held: PeerIdentity | undefined

/** Takes the profile's peer role if no other tab has it (and keeps it until the tab closes). */
async function claimPeerRole(): Promise<PeerRole> {
  if (typeof navigator === 'undefined' || !navigator.locks) return 'peer'
  return new Promise<PeerRole>((resolve) => {
    void navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve('client')
        return undefined
      }
      resolve('peer')
      return new Promise<void>(() => undefined) // held until the tab goes away
    })
  })
}

async function loadOrCreateKey(dbName: string): Promise<PrivateKey> {
  try {
    const db = await openDB(dbName, 1, {
      upgrade(d) {
        d.createObjectStore('identity')
      },
    })
    try {
      const stored = (await db.get('identity', 'peer-key')) as Uint8Array | undefined
      if (stored) return privateKeyFromProtobuf(stored)
      const key = await generateKeyPair('Ed25519')
      await db.put('identity', privateKeyToProtobuf(key), 'peer-key')
      return key
    } finally {
      db.close()
    }
  } catch (err) {
    throw toStoreError(err, 'loading this browser’s peer identity')
  }
}

/** The identity this tab runs with; the same answer for every call in one tab. */
export async function peerIdentity(dbName = 'layr-peer'): Promise<PeerIdentity> {
  if (held) return held
  const role = await claimPeerRole()
  const privateKey = role === 'peer' ? await loadOrCreateKey(dbName) : await generateKeyPair('Ed25519')
  held = { role, privateKey }
  return held
}
