import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../core/errors.ts'
import { toNetworkError } from './errors.ts'

const named = (name: string, message = 'boom'): Error => Object.assign(new Error(message), { name })

describe('toNetworkError', () => {
  it.each([
    ['TimeoutError', 'NetworkTimeoutError'],
    ['AbortError', 'NetworkTimeoutError'],
    ['DialError', 'PeerUnreachableError'],
    ['NoValidAddressesError', 'PeerUnreachableError'],
    ['ConnectionFailedError', 'PeerUnreachableError'],
    ['UnexpectedPeerError', 'PeerUnreachableError'],
    ['UnsupportedProtocolError', 'ProtocolUnsupportedError'],
    ['StreamResetError', 'StreamInterruptedError'],
    ['UnexpectedEOFError', 'StreamInterruptedError'],
    ['ConnectionClosedError', 'StreamInterruptedError'],
    ['LimitedConnectionError', 'RelayLimitError'],
    ['TransferLimitError', 'RelayLimitError'],
    ['InvalidMultiaddrError', 'InvalidAddressError'],
    ['NotStartedError', 'NodeNotRunningError'],
    ['NotFoundError', 'PeerNotFoundError'],
    ['SomethingNewError', 'NetworkFailureError'],
  ])('%s becomes %s, keeping the cause', (from, to) => {
    const cause = named(from)
    const err = toNetworkError(cause, { op: 'dialling', peer: '12D3KooWDbF9oWUYBRYtspgEcBqvFckh68DnbSByfB5wgVhHMBjv' })
    expect(err.name).toBe(to)
    expect(err.cause).toBe(cause)
    expect(err.message).not.toBe('')
  })

  it('an abort by the caller is a cancellation, not a timeout', () => {
    const controller = new AbortController()
    controller.abort()
    expect(toNetworkError(named('AbortError'), { op: 'dialling', signal: controller.signal }).name).toBe('CancelledError')
  })

  it('a timeout signal of the caller stays a timeout', () => {
    const controller = new AbortController()
    controller.abort(named('TimeoutError'))
    expect(toNetworkError(named('AbortError'), { op: 'x', signal: controller.signal }).name).toBe('NetworkTimeoutError')
  })

  it('a WebSocket error event (what a refused relay dial rejects with) is unreachable', () => {
    const event = Object.assign(new Event('error'), {})
    Object.defineProperty(event, 'target', { value: {} })
    const err = toNetworkError(event, { op: 'connecting to a relay' })
    expect(err.name).toBe('PeerUnreachableError')
    expect(err.message).toContain('WebSocket error event')
  })

  it('passes Layr errors through and handles non-errors', () => {
    const mine = new InvalidInputError('bad')
    expect(toNetworkError(mine, { op: 'x' })).toBe(mine)
    expect(toNetworkError('weird', { op: 'x' }).name).toBe('NetworkFailureError')
  })
})
