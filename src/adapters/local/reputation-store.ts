/** What this owner knows of each host (core/audit/reputation.ts), in localStorage ('layr-reputation'). */
import type { HostReputation } from '../../core/audit/index.ts'
import { loadKeptMap, saveKeptMap } from './kept-map.ts'

const KEY = 'layr-reputation'
/** Hosts remembered at most (the least recently seen are forgotten first). */
const MAX_HOSTS = 2000

function beta(v: unknown): boolean {
  const b = v as Record<string, unknown> | null
  return typeof b === 'object' && b !== null && typeof b.alpha === 'number' && typeof b.beta === 'number' && b.alpha >= 0 && b.beta >= 0
}

function valid(v: unknown): v is HostReputation {
  const r = v as Record<string, unknown> | null
  return typeof r === 'object' && r !== null && beta(r.audit) && beta(r.online) && typeof r.passed === 'number' && typeof r.failed === 'number'
}

export function loadReputation(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Map<string, HostReputation> {
  return loadKeptMap(KEY, valid, storage)
}

export function saveReputation(reps: ReadonlyMap<string, HostReputation>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  saveKeptMap(KEY, [...reps].sort((a, b) => (b[1].lastSeen ?? 0) - (a[1].lastSeen ?? 0)).slice(0, MAX_HOSTS), storage)
}
