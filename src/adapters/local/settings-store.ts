import { DEFAULT_LOST_AFTER_MS } from '../../core/repair/index.ts'
import { DEFAULT_POLICY } from '../../core/erasure/index.ts'
import { DEFAULT_LEASE_MS } from '../../core/lease/index.ts'
import { DEFAULT_LEDGER, ledgerChoiceProblem, type LedgerChoice } from '../../ports/ledger.ts'
import { isAccountId } from '../../pay/strkey.ts'

/** The user's settings, in localStorage ('layr-settings'), validated on load. */
export interface StoredSettings {
  readonly k: number
  readonly n: number
  readonly relays: readonly string[]
  readonly hostingEnabled: boolean
  readonly quota: number
  /** How long a host may be unreachable before its shares are rebuilt elsewhere (ms). */
  readonly lostAfterMs: number
  /** How long hosts keep this owner's shares after its last renewal (ms). */
  readonly leaseMs: number
  /** Where payments go: the relay's development ledger (default), testnet, or a Horizon URL. */
  readonly ledger: LedgerChoice
  /** What this tab charges as a host, stroops per GiB-month (0: free, the default). */
  readonly hostPrice: number
  /** The account (G…) this tab's escrows must pay; needed for a price to count. */
  readonly payoutAccount: string | undefined
  /** The most this owner pays a host, stroops per GiB-month: hosts above it are used only when too few others are found. */
  readonly maxPrice: number
}

/** 1 XLM per GiB-month: the default most an owner pays a host. */
export const DEFAULT_MAX_PRICE = 10_000_000

export const DEFAULT_SETTINGS: StoredSettings = {
  k: DEFAULT_POLICY.k,
  n: DEFAULT_POLICY.n,
  relays: [],
  hostingEnabled: true,
  quota: 1024 * 1024 * 1024,
  lostAfterMs: DEFAULT_LOST_AFTER_MS,
  leaseMs: DEFAULT_LEASE_MS,
  ledger: DEFAULT_LEDGER,
  hostPrice: 0,
  payoutAccount: undefined,
  maxPrice: DEFAULT_MAX_PRICE,
}

function ledgerOf(v: unknown): LedgerChoice {
  if (typeof v !== 'object' || v === null) return DEFAULT_LEDGER
  const r = v as Record<string, unknown>
  if (r.kind === 'local' || r.kind === 'testnet') return { kind: r.kind }
  if (r.kind !== 'custom' || typeof r.horizonUrl !== 'string' || typeof r.passphrase !== 'string') return DEFAULT_LEDGER
  const choice: LedgerChoice = {
    kind: 'custom',
    horizonUrl: r.horizonUrl,
    passphrase: r.passphrase,
    ...(typeof r.friendbotUrl === 'string' ? { friendbotUrl: r.friendbotUrl } : {}),
  }
  return ledgerChoiceProblem(choice) === undefined ? choice : DEFAULT_LEDGER
}

const KEY = 'layr-settings'

export function loadSettings(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): StoredSettings {
  let raw: unknown
  try {
    raw = JSON.parse(storage?.getItem(KEY) ?? '{}')
  } catch {
    raw = {}
  }
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>
  const int = (v: unknown, d: number) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : d)
  return {
    k: int(r.k, DEFAULT_SETTINGS.k),
    n: int(r.n, DEFAULT_SETTINGS.n),
    relays: Array.isArray(r.relays) ? r.relays.filter((x): x is string => typeof x === 'string') : [],
    hostingEnabled: typeof r.hostingEnabled === 'boolean' ? r.hostingEnabled : DEFAULT_SETTINGS.hostingEnabled,
    quota: int(r.quota, DEFAULT_SETTINGS.quota),
    lostAfterMs: int(r.lostAfterMs, DEFAULT_SETTINGS.lostAfterMs),
    leaseMs: int(r.leaseMs, DEFAULT_SETTINGS.leaseMs),
    ledger: ledgerOf(r.ledger),
    hostPrice: int(r.hostPrice, DEFAULT_SETTINGS.hostPrice),
    payoutAccount: isAccountId(r.payoutAccount) ? r.payoutAccount : undefined,
    maxPrice: int(r.maxPrice, DEFAULT_SETTINGS.maxPrice),
  }
}

export function saveSettings(s: StoredSettings, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  storage?.setItem(KEY, JSON.stringify(s))
}
