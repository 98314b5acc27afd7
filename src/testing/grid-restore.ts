import type { FileManifest } from '../core/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { restoreFile } from '../transfer/restore.ts'
import type { Grid } from './grid.ts'

/** The whole file a grid restores for `owner` (as the peer "owner"), in memory: for unit tests. */
export async function restoredOnGrid(g: Grid, owner: Vault, manifest: FileManifest): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of restoreFile(g.network('owner'), owner, manifest)) parts.push(p)
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer())
}
