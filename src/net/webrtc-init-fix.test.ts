import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installWebRtcInitChannelFix } from './webrtc-init-fix.ts'

/** Just enough of RTCDataChannel: a state the "remote" can move, and events. */
class FakeChannel extends EventTarget {
  #state: RTCDataChannelState = 'connecting'
  constructor(readonly label: string) {
    super()
  }
  get readyState(): RTCDataChannelState {
    return this.#state
  }
  remoteOpens(): void {
    this.#state = 'open'
    this.dispatchEvent(new Event('open'))
  }
  remoteCloses(): void {
    this.#state = 'closed'
    this.dispatchEvent(new Event('close'))
  }
  close(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    setTimeout(() => this.dispatchEvent(new Event('close')), 0)
  }
}

class FakePeerConnection {
  createDataChannel(label: string): FakeChannel {
    return new FakeChannel(label)
  }
}

const g = globalThis as Record<string, unknown>
const saved = { pc: g.RTCPeerConnection, dc: g.RTCDataChannel }

function waitFor(target: EventTarget, type: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    target.addEventListener(type, () => (clearTimeout(timer), resolve(true)), { once: true })
  })
}

/** What @libp2p/webrtc's dialler does with its 'init' channel once ICE is connected. */
async function diallerFinishes(channel: FakeChannel): Promise<boolean> {
  if (channel.readyState !== 'open' && !(await waitFor(channel, 'open', 200))) return false
  channel.close()
  return waitFor(channel, 'close', 200)
}

describe('installWebRtcInitChannelFix', () => {
  beforeAll(() => {
    g.RTCPeerConnection = FakePeerConnection
    g.RTCDataChannel = FakeChannel
    installWebRtcInitChannelFix()
  })
  afterAll(() => {
    g.RTCPeerConnection = saved.pc
    g.RTCDataChannel = saved.dc
  })

  it('lets the dialler finish when the answerer opened and closed "init" before it looked', async () => {
    const channel = new FakePeerConnection().createDataChannel('init')
    channel.remoteOpens()
    channel.remoteCloses()
    expect(channel.readyState).toBe('open') // reported open until the dialler closes it
    expect(await diallerFinishes(channel)).toBe(true)
    expect(channel.readyState).toBe('closed')
  })

  it('keeps the normal order working', async () => {
    const channel = new FakePeerConnection().createDataChannel('init')
    const done = diallerFinishes(channel)
    channel.remoteOpens()
    expect(await done).toBe(true)
  })

  it('leaves other channels alone', () => {
    const channel = new FakePeerConnection().createDataChannel('')
    channel.remoteOpens()
    channel.remoteCloses()
    expect(channel.readyState).toBe('closed')
  })
})
