/**
 * What Node 20 lacks and the libp2p stack needs. Import this module before anything else
 * (relay/main.ts does, as its first import); it is synchronous on purpose, so that ES module
 * evaluation order guarantees it has run before libp2p's modules are evaluated.
 *
 * - `Promise.withResolvers` (Node 22+): it-queue, mortice, yamux and webrtc call it, and the
 *   relay crashes without it.
 * - A global `WebSocket` (unflagged from Node 22): @libp2p/websockets dials with
 *   `new WebSocket(url)` even in Node. The relay only needs it to dial other relays
 *   (LAYR_BOOTSTRAP), and Node hosts (host/) to dial relays and one another. We use the `ws`
 *   package that @libp2p/websockets itself depends on, resolved from that package so we get
 *   exactly its copy, with an 'error' listener always attached (see below).
 */
import { createRequire } from 'node:module'

interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const PromiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof PromiseCtor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
  const require = createRequire(import.meta.resolve('@libp2p/websockets'))
  const ws = require('ws') as { WebSocket: new (...args: unknown[]) => { on(event: string, fn: () => void): void } }
  // ws is an EventEmitter: an 'error' with no listener throws and kills the process, where a
  // browser WebSocket only fires an event. A dial that was given up (timed out, aborted) has
  // removed its listeners when its ECONNREFUSED arrives; this crashed the scale bench. Always
  // listen, as a browser would not throw either; libp2p's own listeners still get the error.
  class QuietWebSocket extends ws.WebSocket {
    constructor(...args: unknown[]) {
      super(...args)
      this.on('error', () => {})
    }
  }
  Object.defineProperty(globalThis, 'WebSocket', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: QuietWebSocket,
  })
}

export {}
