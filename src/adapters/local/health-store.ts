/** The last audit round of each file (older entries, of mere checks, are dropped), in localStorage ('layr-health'), so it survives reloads. */
import type { FileHealth } from '../../layr/api.ts'
import { loadKeptMap, saveKeptMap } from './kept-map.ts'

const KEY = 'layr-health'

function valid(v: unknown): v is FileHealth {
  const h = v as Record<string, unknown> | null
  return (
    typeof h === 'object' &&
    h !== null &&
    ['k', 'n', 'r', 'verified', 'answered', 'counted', 'survives', 'failed', 'offline', 'shares', 'checkedAt'].every((f) => typeof h[f] === 'number') &&
    ['failedHosts', 'awayHosts'].every((f) => typeof h[f] === 'number') &&
    Array.isArray(h.findings) &&
    typeof h.needsRepair === 'boolean' &&
    typeof h.repairable === 'boolean'
  )
}

export function loadHealth(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Map<string, FileHealth> {
  return loadKeptMap(KEY, valid, storage)
}

export function saveHealth(health: ReadonlyMap<string, FileHealth>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  saveKeptMap(KEY, health, storage)
}
