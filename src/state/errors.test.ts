import { describe, expect, it } from 'vitest'
import { CancelledError, InvalidPolicyError, LockedVaultCorruptError, NotEnoughSharesError, RecoveryTextError, WrongPassphraseError } from '../core/errors.ts'
import { PlacementError } from '../transfer/index.ts'
import { describeError, describeFailure, type Action } from './errors.ts'
import { NetworkFailureError, NodeNotRunningError } from '../net/errors.ts'

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

/** An error of a given name, as the facade throws the ones the backend adds (NeedFileError, …). */
function named(name: string, message: string): Error {
  const e = new Error(message)
  e.name = name
  return e
}

describe('describeFailure: what happened and what to do, the technical message folded away', () => {
  it.each<[Action, unknown, { hosts?: number; unreachable?: number }, { message: string | RegExp; tone: string }]>([
    [
      'restore',
      new NotEnoughSharesError(0, 1, 2, [{ shareIndex: 1, reason: 'unreachable', detail: 'NO_RESERVATION' }]),
      { hosts: 2 },
      {
        message: '1 of the file’s 2 hosts is offline, and the shares the others hold are 1 too few to rebuild it. Try again when more of them are online.',
        tone: 'danger',
      },
    ],
    [
      'restore',
      new NotEnoughSharesError(0, 0, 2, [
        { shareIndex: 0, reason: 'missing' },
        { shareIndex: 1, reason: 'corrupt', detail: 'Merkle root does not match' },
      ]),
      { hosts: 3 },
      { message: /^Too few of its shares could be fetched to rebuild it \(1 no longer kept, 1 damaged\), so nothing was saved\./, tone: 'danger' },
    ],
    ['restore', new NetworkFailureError('Network failure while dialling x'), {}, { message: /lost its connection to the network/, tone: 'warning' }],
    [
      'backup',
      new PlacementError('Segment 0: share 3 was refused by 3 hosts (the last said: full). Wait for more hosts, or free space.'),
      {},
      { message: /^Not every share found a host that would keep it/, tone: 'warning' },
    ],
    [
      'backup',
      new PlacementError('No other peer with room to host was found. Open Layr in another browser (or ask someone to), leave it open, and try again.'),
      {},
      { message: /^No other peer with room to host was found/, tone: 'warning' },
    ],
    [
      'delete',
      new NodeNotRunningError('The node is not running.'),
      {},
      { message: /The file stays in your list; try again when the tab is online\./, tone: 'warning' },
    ],
    ['delete', new Error('boom'), {}, { message: 'The file could not be deleted; it stays in your list. Try again in a moment.', tone: 'danger' }],
    ['resume', named('NeedFileError', 'no handle'), {}, { message: /^Pick the same file again/, tone: 'info' }],
    [
      'resume',
      named('FileChangedError', 'size differs'),
      {},
      { message: /not the file the backup began with .* Pick the right file, or discard the backup\./, tone: 'warning' },
    ],
    ['resume', named('BackupNotFoundError', 'gone'), {}, { message: /no longer waiting/, tone: 'info' }],
  ])('%s: %s', (action, err, facts, want) => {
    const p = describeFailure(action, err, facts)
    if (typeof want.message === 'string') expect(p.message).toBe(want.message)
    else expect(p.message).toMatch(want.message)
    expect(p.tone).toBe(want.tone)
    expect(p.detail).toBe(`${(err as Error).name}: ${(err as Error).message}`)
    // Two sentences at most, and no internals in the words.
    expect(p.message.split(/[.!?](\s|$)/).filter((x) => x && x.trim()).length).toBeLessThanOrEqual(3)
    expect(p.message).not.toMatch(/Segment \d|share\(s\)|12D3Koo|Error/)
  })

  it('says nothing more of a cancellation', () => {
    expect(describeFailure('restore', new CancelledError())).toEqual({ name: 'CancelledError', message: 'Cancelled.', tone: 'info' })
  })
})
