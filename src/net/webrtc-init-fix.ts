/**
 * Works around a race in @libp2p/webrtc 6.0 (private-to-private `initiateConnection`), found
 * here with its debug logs; it is the main cause of the "first DHT round loses streams" flake.
 *
 * The dialling tab creates a data channel labelled 'init', and once ICE is connected does:
 *
 *     if (channel.readyState !== 'open') await pEvent(channel, 'open')
 *     channel.close(); await pEvent(channel, 'close')
 *
 * The answering tab closes the 'init' channel the moment it sees it. When that close reaches the
 * dialler before the dialler gets to this code (common on a busy machine), the channel is already
 * 'closing' or 'closed': 'open' has fired in the past and never fires again, so the dialler waits
 * until its dial times out (6 s), then closes its RTCPeerConnection. The answering tab has by then
 * finished its half, keeps a connection whose far end is gone, and every stream on it times out
 * until libp2p's connection monitor drops it 10–15 s later.
 *
 * The fix, on 'init' channels only: remember that 'open' fired, report 'open' until `close()`
 * is called, and when `close()` is called on a channel that is already closed, fire 'close' again
 * so the dialler's wait ends. Nothing else uses the 'init' channel. Remove this when
 * @libp2p/webrtc checks for an 'init' channel that has already opened.
 */
const INIT_LABEL = 'init'
let installed = false

export function installWebRtcInitChannelFix(): void {
  const Peer = (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection
  const Channel = (globalThis as { RTCDataChannel?: typeof RTCDataChannel }).RTCDataChannel
  if (installed || Peer === undefined || Channel === undefined) return
  const realReadyState = Object.getOwnPropertyDescriptor(Channel.prototype, 'readyState')?.get
  if (realReadyState === undefined) return
  installed = true
  const createDataChannel = Peer.prototype.createDataChannel
  Peer.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = createDataChannel.call(this, label, init)
    if (label !== INIT_LABEL) return channel
    let opened = false
    let closeCalled = false
    channel.addEventListener('open', () => (opened = true), { once: true })
    Object.defineProperty(channel, 'readyState', {
      configurable: true,
      get(this: RTCDataChannel): RTCDataChannelState {
        const state = realReadyState.call(this) as RTCDataChannelState
        return opened && !closeCalled ? 'open' : state
      },
    })
    const close = channel.close.bind(channel)
    channel.close = () => {
      closeCalled = true
      const alreadyClosed = realReadyState.call(channel) === 'closed'
      close()
      if (alreadyClosed) setTimeout(() => channel.dispatchEvent(new Event('close')), 0)
    }
    return channel
  }
}
