/** The repair grant of this device (layr/delegation.ts), in localStorage ('layr-delegation'). */
import type { StoredDelegation } from '../../layr/delegation.ts'

const KEY = 'layr-delegation'

function valid(v: unknown): v is StoredDelegation {
  const d = v as Record<string, unknown> | null
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.peer === 'string' &&
    typeof d.capability === 'string' &&
    /^[0-9a-f]*$/.test(d.capability) &&
    typeof d.grantedAt === 'number'
  )
}

export function loadDelegation(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): StoredDelegation | undefined {
  try {
    const v: unknown = JSON.parse(storage?.getItem(KEY) ?? 'null')
    return valid(v) ? v : undefined
  } catch {
    return undefined
  }
}

export function saveDelegation(d: StoredDelegation | undefined, storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = globalThis.localStorage): void {
  if (d) storage?.setItem(KEY, JSON.stringify(d))
  else storage?.removeItem(KEY)
}
