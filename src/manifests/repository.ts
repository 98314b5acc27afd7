/**
 * One owner for a manifest's life: seal and sign a revision, keep it locally, publish it to the
 * record peers, open what is kept (checking that each record carries the manifest it names),
 * bring the local list and the network's together, and remove a file with a tombstone. Backup,
 * remove and, next, repair all go through here, so the rules (revisions only go up, a tombstone
 * wins, a record must match its manifest) live in one place.

 */
import { fromHex, toHex } from '../core/bytes.ts'
import { LayrError } from '../core/errors.ts'
import { openManifest, sealManifest, type FileManifest } from '../core/manifest/index.ts'
import { checkRecordManifest, signRecord, type ManifestRecord } from '../core/records/index.ts'
import type { Vault } from '../core/vault/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import type { RecordStore } from '../ports/record-store.ts'
import { publishRecord, syncRecords, type PublishResult } from '../transfer/records.ts'

/** A removed file's record: revision above any real one, so nothing can bring the file back. */
export const TOMBSTONE_REVISION = Number.MAX_SAFE_INTEGER

/** No file with that id in this vault. */
export class FileNotFoundError extends LayrError {
  override readonly name = 'FileNotFoundError'
}

/** A newer revision of the file is already kept: this one was not saved (another device changed it). */
export class StaleRevisionError extends LayrError {
  override readonly name = 'StaleRevisionError'
}

export interface SaveResult {
  readonly record: ManifestRecord
  /** Record peers that now keep it. */
  readonly published: PublishResult
}

export class ManifestRepository {
  readonly #opened = new Map<string, { revision: number; manifest: FileManifest }>()

  constructor(
    /** The vault whose manifests these are. */
    readonly vault: Vault,
    private readonly local: RecordStore,
  ) {}

  /** Seals, signs and keeps `manifest` at its revision, then publishes it when given a network. */
  async save(manifest: FileManifest, net: PeerNetwork | undefined, options: { signal?: AbortSignal } = {}): Promise<SaveResult> {
    const record = signRecord(this.vault, manifest.fileId, manifest.revision, await sealManifest(manifest, this.vault))
    const kept = await this.local.put(record)
    if (kept.revision !== record.revision) {
      throw new StaleRevisionError(
        `File ${toHex(manifest.fileId)} already has revision ${kept.revision}, newer than this one (${record.revision}); look again at the file list and retry.`,
      )
    }
    this.#opened.set(toHex(manifest.fileId), { revision: manifest.revision, manifest })
    return { record, published: net ? await this.publish(record, net, options) : { peers: [], failures: [] } }
  }

  /** Puts a kept record on the record peers. */
  publish(record: ManifestRecord, net: PeerNetwork, options: { signal?: AbortSignal } = {}): Promise<PublishResult> {
    return publishRecord(net, record, options)
  }

  /** The next revision of a kept file, changed by `change` (repair's new holders), saved and published. */
  async revise(fileId: string, change: (m: FileManifest) => FileManifest, net: PeerNetwork | undefined): Promise<SaveResult> {
    const current = await this.get(fileId)
    const next = { ...change(current), fileId: current.fileId, owner: current.owner, revision: current.revision + 1 }
    return this.save(next, net)
  }

  /** Marks the file removed, locally first, then on the network; returns the manifest it had. */
  async remove(fileId: string, net: PeerNetwork | undefined): Promise<{ manifest: FileManifest; published: PublishResult }> {
    const manifest = await this.get(fileId)
    const tombstone = signRecord(this.vault, manifest.fileId, TOMBSTONE_REVISION, new Uint8Array(0))
    await this.local.put(tombstone)
    this.#opened.delete(fileId)
    const published = net ? await publishRecord(net, tombstone) : { peers: [], failures: [] }
    return { manifest, published }
  }

  /** The kept manifest of a file that is not removed; FileNotFoundError otherwise. */
  async get(fileId: string): Promise<FileManifest> {
    const id = /^[0-9a-f]{32}$/.test(fileId) ? fromHex(fileId) : undefined
    const r = id && (await this.local.get(this.vault.ownerPublicKey, id))
    if (!r || r.sealed.length === 0) throw new FileNotFoundError(`No file with id ${fileId} in this vault.`)
    return this.#open(r)
  }

  /** Every kept file that is not removed; a record that does not open is left out, not fatal. */
  async live(): Promise<FileManifest[]> {
    const out: FileManifest[] = []
    for (const r of await this.local.list(this.vault.ownerPublicKey)) {
      if (r.sealed.length === 0) continue
      try {
        out.push(await this.#open(r))
      } catch {
        // a newer manifest version, or a damaged record: left out of the list
      }
    }
    return out
  }

  /** Brings the local records and the network's together (and tops up record peers that lack some). */
  async sync(net: PeerNetwork, options: { signal?: AbortSignal } = {}): Promise<void> {
    const known = await this.local.list(this.vault.ownerPublicKey)
    const { records } = await syncRecords(net, this.vault, known, options)
    for (const r of records) await this.local.put(r)
    for (const r of records) if (r.sealed.length === 0) this.#opened.delete(toHex(r.fileId))
  }

  async #open(r: ManifestRecord): Promise<FileManifest> {
    const id = toHex(r.fileId)
    const cached = this.#opened.get(id)
    if (cached && cached.revision === r.revision) return cached.manifest
    const manifest = await openManifest(r.sealed, this.vault)
    checkRecordManifest(r, manifest)
    this.#opened.set(id, { revision: r.revision, manifest })
    return manifest
  }
}
