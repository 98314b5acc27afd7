import { describe, expect, it } from 'vitest'
import { isPrivateHost, parseBootstrap } from './bootstrap.ts'

const ID = '12D3KooWDbF9oWUYBRYtspgEcBqvFckh68DnbSByfB5wgVhHMBjv'
const OTHER = '12D3KooWQsfKiNUPLkAtHDgsKsvgVYf2gRH6DG8ryXU1n3jFhxxd'
const ws = `/ip4/127.0.0.1/tcp/8080/ws/p2p/${ID}`
const wss = `/dns4/relay.example.org/tcp/443/tls/ws/p2p/${ID}`

describe('parseBootstrap', () => {
  it('keeps WebSocket addresses that end in the relay peer id', () => {
    expect(parseBootstrap({ peerId: ID, multiaddrs: [ws, wss, `/ip4/127.0.0.1/tcp/1/ws/p2p/${OTHER}`, 'nonsense', 7] }, false)).toEqual({
      peerId: ID,
      multiaddrs: [ws, wss],
    })
  })

  it('keeps only secure WebSocket addresses for an https page', () => {
    expect(parseBootstrap({ peerId: ID, multiaddrs: [ws, wss] }, true).multiaddrs).toEqual([wss])
  })

  it.each([
    ['not an object', 'hello', false],
    ['no peer id', { multiaddrs: [ws] }, false],
    ['no list', { peerId: ID }, false],
    ['nothing usable', { peerId: ID, multiaddrs: [`/ip4/127.0.0.1/tcp/1/p2p/${ID}`] }, false],
    ['only insecure for https', { peerId: ID, multiaddrs: [ws] }, true],
  ])('refuses %s with BootstrapError', (_label, body, secure) => {
    expect(() => parseBootstrap(body, secure)).toThrow(expect.objectContaining({ name: 'BootstrapError' }))
  })
})

describe('isPrivateHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['[::1]', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.10', true],
    ['8.8.8.8', false],
    ['layr.example.org', false],
    ['fc.example.org', false],
    ['fd00::1', true],
    // CGNAT: the relay counted it as private and the browser did not; both use libp2p's list now.
    ['100.64.1.2', true],
    ['fe80::1', true],
    ['2001:4860::1', false],
  ])('%s → %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected)
  })
})
