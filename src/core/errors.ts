/**
 * Every error Layr raises on purpose is a LayrError with a stable `name`
 * (compare on `name`, never on the message) and a message a person can act on.
 * Raw DOMException, libp2p and wallet errors are converted into these at the
 * adapter boundary, and only there.
 */
export abstract class LayrError extends Error {
  abstract override readonly name: string
}

/** A redundancy policy that cannot work, e.g. k >= n or n > 255. */
export class InvalidPolicyError extends LayrError {
  override readonly name = 'InvalidPolicyError'
}

/** An argument of the wrong shape or size (a programming error, or hostile input). */
export class InvalidInputError extends LayrError {
  override readonly name = 'InvalidInputError'
}

/** A recovery text that is malformed or whose checksum does not match (a typo). */
export class RecoveryTextError extends LayrError {
  override readonly name = 'RecoveryTextError'
}

/** The passphrase does not open the vault kept in this browser. */
export class WrongPassphraseError extends LayrError {
  override readonly name = 'WrongPassphraseError'
  constructor(
    message = 'That passphrase does not unlock this vault. Check for typing mistakes and Caps Lock, and try again; ' +
      'if you have forgotten it, open the vault with its recovery text instead.',
  ) {
    super(message)
  }
}

/** A passphrase too short to protect anything (it would be guessed at once). */
export class WeakPassphraseError extends LayrError {
  override readonly name = 'WeakPassphraseError'
}

/**
 * The passphrase-protected vault record in this browser cannot be read: damaged, altered, or
 * written by a newer Layr. Its recovery text still opens the vault.
 */
export class LockedVaultCorruptError extends LayrError {
  override readonly name = 'LockedVaultCorruptError'
}

/** Data was encrypted under another key: another vault, or another file. */
export class WrongKeyError extends LayrError {
  override readonly name = 'WrongKeyError'
}

/** An encrypted chunk failed authentication: flipped bits, reordered or moved chunks. */
export class CorruptDataError extends LayrError {
  override readonly name = 'CorruptDataError'
}

/** Ciphertext ends before its last chunk: chunks were dropped or cut off. */
export class TruncatedDataError extends LayrError {
  override readonly name = 'TruncatedDataError'
}

/** A manifest that cannot be decoded: wrong format, bad version, inconsistent fields. */
export class ManifestCorruptError extends LayrError {
  override readonly name = 'ManifestCorruptError'
}

/** A manifest whose signature does not verify under the expected owner id. */
export class ManifestSignatureError extends LayrError {
  override readonly name = 'ManifestSignatureError'
}

/** Why one share could not be used. */
export interface ShareFailure {
  readonly shareIndex: number
  readonly reason: 'missing' | 'corrupt' | 'unreachable'
  readonly detail?: string
}

/** Fewer than k good shares remain for a segment, so it cannot be rebuilt. */
export class NotEnoughSharesError extends LayrError {
  override readonly name = 'NotEnoughSharesError'
  constructor(
    readonly segmentIndex: number,
    readonly good: number,
    readonly needed: number,
    readonly failures: readonly ShareFailure[],
  ) {
    const detail = failures.map((f) => `share ${f.shareIndex} ${f.reason}${f.detail ? ` (${f.detail})` : ''}`).join(', ')
    super(
      `Segment ${segmentIndex} cannot be rebuilt: ${good} good share(s), ${needed} needed` +
        (detail ? `; ${detail}` : '') +
        '. Bring more hosts back online, or restore from another device that still has the data.',
    )
  }
}

/** The operation was cancelled by its caller. */
export class CancelledError extends LayrError {
  override readonly name = 'CancelledError'
  constructor(message = 'The operation was cancelled.') {
    super(message)
  }
}

/** Throws CancelledError when the signal has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError()
}
