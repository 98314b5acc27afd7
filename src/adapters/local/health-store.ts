/** The last health check of each file, in localStorage ('layr-health'), so it survives reloads. */
import type { FileHealth } from '../../layr/api.ts'

const KEY = 'layr-health'

function valid(v: unknown): v is FileHealth {
  const h = v as Record<string, unknown> | null
  return typeof h === 'object' && h !== null && ['live', 'n', 'k', 'checkedAt'].every((f) => typeof h[f] === 'number')
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
