import { describe, expect, it } from 'vitest'
import { CancelledError, InvalidPolicyError, LockedVaultCorruptError, NotEnoughSharesError, RecoveryTextError, WrongPassphraseError } from '../core/errors.ts'
import { PlacementError } from '../transfer/index.ts'
import { describeError } from './errors.ts'

describe('describeError', () => {
  it.each([
    [new InvalidPolicyError('k must be at least 1.'), 'InvalidPolicyError', 'k must be at least 1.', 'warning'],
    [new RecoveryTextError('The checksum does not match: check for a typo.'), 'RecoveryTextError', 'The checksum does not match: check for a typo.', 'warning'],
    [new PlacementError('Only 1 host(s) with room were found.'), 'PlacementError', 'Only 1 host(s) with room were found.', 'warning'],
    [new NotEnoughSharesError(0, 1, 2, []), 'NotEnoughSharesError', expect.stringContaining('Segment 0 cannot be rebuilt'), 'danger'],
    [new WrongPassphraseError(), 'WrongPassphraseError', expect.stringContaining('That passphrase does not unlock this vault'), 'warning'],
    [new LockedVaultCorruptError('The vault kept here cannot be read.'), 'LockedVaultCorruptError', 'The vault kept here cannot be read.', 'danger'],
    [new CancelledError(), 'CancelledError', 'Cancelled.', 'info'],
    [new DOMException('The user aborted a request.', 'AbortError'), 'CancelledError', 'Cancelled.', 'info'],
    [new TypeError('x is undefined\n    at foo (a.js:1:2)'), 'TypeError', 'Something went wrong: x is undefined', 'danger'],
    ['plain string', 'Error', 'Something went wrong: plain string', 'danger'],
  ])('%s', (err, name, message, tone) => {
    expect(describeError(err)).toEqual({ name, message, tone })
  })

  it('never shows a stack trace', () => {
    const err = new Error('Boom')
    expect(describeError(err).message).not.toContain(' at ')
  })
})
