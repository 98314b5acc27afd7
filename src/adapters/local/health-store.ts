/** The last audit round of each file (older entries, of mere checks, are dropped), in localStorage ('layr-health'), so it survives reloads. */
import type { FileHealth } from '../../layr/api.ts'

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
  try {
    const raw: unknown = JSON.parse(storage?.getItem(KEY) ?? '{}')
    return new Map(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, FileHealth] => valid(e[1])))
  } catch {
    return new Map()
  }
}

export function saveHealth(health: ReadonlyMap<string, FileHealth>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  storage?.setItem(KEY, JSON.stringify(Object.fromEntries(health)))
}
