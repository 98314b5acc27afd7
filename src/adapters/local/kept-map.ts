/** A map of validated values kept as one JSON object under a localStorage key (health, reputation). */

export function loadKeptMap<T>(key: string, valid: (v: unknown) => v is T, storage: Pick<Storage, 'getItem'> | undefined): Map<string, T> {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(key) ?? '{}')
    if (typeof raw !== 'object' || raw === null) return new Map()
    return new Map(Object.entries(raw as Record<string, unknown>).filter((e): e is [string, T] => valid(e[1])))
  } catch {
    return new Map()
  }
}

export function saveKeptMap<T>(key: string, entries: Iterable<[string, T]>, storage: Pick<Storage, 'setItem'> | undefined): void {
  storage?.setItem(key, JSON.stringify(Object.fromEntries(entries)))
}
