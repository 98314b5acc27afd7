/**
 * An error as the page shows it: the LayrError's own message (written for people), and a tone
 * picked from its stable `name`. Never a stack trace. A failed restore, backup or delete is told
 * by describeFailure instead: what happened and what to do, in a sentence or two, with the
 * technical message kept in `detail` for a disclosure.
 */
export type Tone = 'info' | 'warning' | 'danger'

export interface Problem {
  readonly name: string
  readonly message: string
  readonly tone: Tone
  /** The technical message ("NotEnoughSharesError: Segment 0 cannot be rebuilt …"), folded away. */
  readonly detail?: string
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

const GENERIC = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError'])

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
    const generic = GENERIC.has(name)
    return {
      name,
      message: generic ? `Something went wrong: ${message}` : message,
      tone: DANGER.has(name) ? 'danger' : INPUT.has(name) ? 'warning' : generic ? 'danger' : 'warning',
    }
  }
  return { name: 'Error', message: `Something went wrong: ${String(err)}`, tone: 'danger' }
}

/** What was being done when the error came. */
export type Action = 'restore' | 'backup' | 'delete' | 'resume' | 'discard'

/** What the page knows besides the error. */
export interface FailureFacts {
  /** The file's distinct hosts. */
  readonly hosts?: number
  /** Distinct hosts that could not be reached during the attempt (restore:bad-host, 'unreachable'). */
  readonly unreachable?: number
}

const NETWORK = new Set([
  'NodeNotRunningError',
  'NetworkFailureError',
  'NetworkTimeoutError',
  'RelayUnreachableError',
  'BootstrapError',
  'StreamInterruptedError',
  'PeerUnreachableError',
  'PeerNotFoundError',
  'RelayLimitError',
])

const AGAIN: Record<Action, string> = {
  restore: 'The restore did not finish, and nothing was saved. Try again; the details below say what went wrong.',
  backup: 'The backup did not finish. Try again; the details below say what went wrong.',
  resume: 'The backup could not go on. Try again, or discard it; the details below say what went wrong.',
  delete: 'The file could not be deleted; it stays in your list. Try again in a moment.',
  discard: 'The interrupted backup could not be discarded. Try again in a moment.',
}

const OFFLINE: Record<Action, string> = {
  restore: 'This tab lost its connection to the network, so the restore stopped and nothing was saved. Try again when it is back online.',
  backup: 'This tab lost its connection to the network during the backup. Try again when it is back online.',
  resume: 'This tab lost its connection to the network, so the backup could not go on. Resume it again when the tab is back online.',
  delete: 'This tab is not connected to the network, so its hosts could not be told. The file stays in your list; try again when the tab is online.',
  discard: 'This tab is not connected to the network, so the hosts could not be told. Try again when the tab is online.',
}

/**
 * A failed restore, backup, resume, delete or discard in a person's words: what happened and what
 * to do, in one or two sentences; the error's own message goes to `detail`.
 */
export function describeFailure(action: Action, err: unknown, facts: FailureFacts = {}): Problem {
  const base = describeError(err)
  if (base.name === 'CancelledError') return base
  const raw =
    err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err) ? String((err as { message: unknown }).message) : String(err)
  const detail = `${base.name}: ${raw.trim()}`
  const told = (message: string, tone: Tone = base.tone): Problem => ({ name: base.name, message, tone, detail })
  switch (base.name) {
    case 'NotEnoughSharesError':
      return told(notEnoughShares(err as Partial<NotEnoughFields>, facts), 'danger')
    case 'WrongKeyError':
      return told('This file was encrypted under another vault, so this vault cannot open it. Nothing was saved.')
    case 'CorruptDataError':
    case 'TruncatedDataError':
      return told(
        'The rebuilt file did not pass its integrity check, so nothing was saved: some host sent damaged bytes. Try again; Check now finds which host it is.',
      )
    case 'FileNotFoundError':
      return told('This file is no longer in your file list here: it may have been deleted on another device.', 'warning')
    case 'NoVaultError':
    case 'VaultLockedError':
      return told(base.message, 'warning')
    case 'PlacementError':
      // Its own words are for people, except the ones naming a segment and a share.
      return /^Segment \d+/.test(base.message)
        ? told(
            'Not every share found a host that would keep it: hosts refused them or ran out of room. Try again when more hosts are online, or choose a lower redundancy under Settings.',
          )
        : told(base.message)
    case 'StorageFullError':
    case 'QuotaExceededError':
      return told('This browser has no room left for Layr’s own records. Free some disk space, then try again.', 'danger')
    case 'RecordsUnavailableError':
      return told('No peer answered to keep the change on the network. Try again when more peers are online.', 'warning')
    case 'NeedFileError':
      return told('Pick the same file again to finish this backup: Layr cannot read it by itself.', 'info')
    case 'FileChangedError':
      return told(
        'This is not the file the backup began with (its size or date differs), so nothing more was sent. Pick the right file, or discard the backup.',
        'warning',
      )
    case 'WalletRejectedError':
      return action === 'backup' || action === 'resume'
        ? told(
            'The payment was declined in the wallet, so nothing was paid and nothing was stored. Back up again and approve it, or choose Free hosts only.',
            'warning',
          )
        : told(base.message, 'warning')
    case 'BackupNotFoundError':
      return told('This backup is no longer waiting: it was finished or discarded, perhaps in another tab.', 'info')
    default:
      if (NETWORK.has(base.name)) return told(OFFLINE[action], 'warning')
      // Layr's other errors are written for people already; a runtime error is not.
      if (!GENERIC.has(base.name)) return base
      return told(AGAIN[action], 'danger')
  }
}

/** The structured fields NotEnoughSharesError carries (core/errors.ts). */
interface NotEnoughFields {
  readonly segmentIndex: number
  readonly good: number
  readonly needed: number
  readonly failures: readonly { readonly reason: 'missing' | 'corrupt' | 'unreachable' }[]
}

function notEnoughShares(e: Partial<NotEnoughFields>, facts: FailureFacts): string {
  const failures = Array.isArray(e.failures) ? e.failures : []
  const short = typeof e.good === 'number' && typeof e.needed === 'number' ? e.needed - e.good : undefined
  const shortWords = short !== undefined && short > 0 ? `, and the shares the others hold are ${short} too few to rebuild it` : ''
  const unreachable = facts.unreachable ?? failures.filter((f) => f.reason === 'unreachable').length
  if (unreachable > 0) {
    const of = facts.hosts !== undefined && facts.hosts >= unreachable ? ` of the file’s ${facts.hosts} hosts` : unreachable === 1 ? ' host' : ' hosts'
    const who = `${unreachable}${of} ${unreachable === 1 ? 'is' : 'are'} offline`
    return `${cap(who)}${shortWords}. Try again when more of them are online.`
  }
  const missing = failures.filter((f) => f.reason === 'missing').length
  const corrupt = failures.filter((f) => f.reason === 'corrupt').length
  const lost = [missing > 0 ? `${missing} no longer kept` : '', corrupt > 0 ? `${corrupt} damaged` : ''].filter(Boolean).join(', ')
  return (
    `Too few of its shares could be fetched to rebuild it${lost ? ` (${lost})` : ''}, so nothing was saved. ` +
    'Try again later; if it still fails, restore it from a device that still has the file and back it up again.'
  )
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
