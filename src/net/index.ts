/**
 * The peer network: each browser tab is a libp2p node.
 *
 * Tabs reach a relay over WebSocket and hold a circuit-relay reservation on it; that makes them
 * dialable at /p2p-circuit/webrtc addresses. Another tab dials such an address, the two exchange
 * WebRTC offers through the relay (a few KiB, within the relay's signalling-only limits), and
 * from then on talk over a direct WebRTC connection. Tabs are kad-dht servers on their own
 * protocol, so the DHT finds tabs by key, which is what placement builds on.
 *
 * - node.ts:      createPeerNode, the configuration that makes this work (see FINDINGS.md)
 * - keeper.ts:    stay connected to the relays, redial with backoff (relay restarts)
 * - bootstrap.ts: /bootstrap.json of the page's origin
 * - dht.ts:       closest peers / find peer, with time limits
 * - direct.ts:    direct (never relayed) connections and streams for data
 * - status.ts:    what the Network view shows, waits for a reservation
 * - stream.ts:    writing with backpressure
 * - webrtc-init-fix.ts: works around a dial race in @libp2p/webrtc (the first-round flake)
 * - echo.ts:      the test echo protocol (tests and diagnostics only)
 * - errors.ts:    typed errors; libp2p errors are converted here and only here
 */
export * from './errors.ts'
export * from './protocols.ts'
export * from './bootstrap.ts'
export * from './keeper.ts'
export * from './node.ts'
export * from './dht.ts'
export * from './direct.ts'
export * from './status.ts'
export * from './echo.ts'
export * from './stream.ts'
export { generateKeyPair } from '@libp2p/crypto/keys'
export { multiaddr } from '@multiformats/multiaddr'
export { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
export * from './share/messages.ts'
export { ShareHost, deleteMessage, storeMessage, readRecordsMessage, signDelete, signStore, signReadRecords, AUTH_WINDOW_MS } from './share/host.ts'
export { mountShareHost, shareRequest } from './share/libp2p.ts'
export { libp2pNetwork } from './peer-network.ts'
export { FrameReader, readFrame, writeFrame } from './share/wire.ts'
export { openIdbShareStore } from '../adapters/storage/idb.ts'
export { peerIdentity, NotThePeerTabError, type PeerIdentity, type PeerRole } from '../adapters/identity/peer-identity.ts'
// The owner's stages (upload, restore, remove, audit, repair, records), which run on this adapter here.
export * from '../transfer/index.ts'
export { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
export { openIdbPaymentStore } from '../adapters/storage/idb-payments.ts'
