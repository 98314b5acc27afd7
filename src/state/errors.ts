/**
 * An error as the page shows it: the LayrError's own message (written for people), and a tone
 * picked from its stable `name`. Never a stack trace.
 */
export type Tone = 'info' | 'warning' | 'danger'

export interface Problem {
  readonly name: string
  readonly message: string
  readonly tone: Tone
}

/** Errors the person caused or can fix by changing what they typed. */
const INPUT = new Set([
  'InvalidPolicyError',
  'RecoveryTextError',
  'InvalidInputError',
  'InvalidAddressError',
  'NoVaultError',
  'WrongPassphraseError',
  'WeakPassphraseError',
  'PassphraseMismatchError',
  'VaultLockedError',
])
/** Errors that lost or refused data: the strongest tone. */
const DANGER = new Set([
  'NotEnoughSharesError',
  'CorruptDataError',
  'TruncatedDataError',
  'WrongKeyError',
  'ManifestCorruptError',
  'ManifestSignatureError',
  'QuotaExceededError',
  'LockedVaultCorruptError',
])

export function isCancellation(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return name === 'CancelledError' || name === 'AbortError'
}

export function describeError(err: unknown): Problem {
  if (isCancellation(err)) return { name: 'CancelledError', message: 'Cancelled.', tone: 'info' }
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as { name?: unknown; message?: unknown }
    const name = typeof e.name === 'string' ? e.name : 'Error'
    const raw = typeof e.message === 'string' ? e.message.trim() : ''
    // Only the first line: some runtime errors carry details a person cannot use.
    const message = raw.split('\n')[0] || 'Something went wrong.'
    const generic = name === 'Error' || name === 'TypeError' || name === 'RangeError' || name === 'SyntaxError'
    return {
      name,
      message: generic ? `Something went wrong: ${message}` : message,
      tone: DANGER.has(name) ? 'danger' : INPUT.has(name) ? 'warning' : generic ? 'danger' : 'warning',
    }
  }
  return { name: 'Error', message: `Something went wrong: ${String(err)}`, tone: 'danger' }
}
