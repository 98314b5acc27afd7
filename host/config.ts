/**
 * The host's settings: defaults, then what the data directory remembers (host.json), then the
 * environment (LAYR_HOST_*), then command-line flags. What is in force is written back to
 * host.json, so a host restarted with only `--data DIR` is the same host (same peer id, shares,
 * addresses, quota and price). Pure: reading and writing the file is host.ts's job.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { isAccountId } from '../src/pay/strkey.ts'

export class HostConfigError extends Error {
  override readonly name = 'HostConfigError'
}

/** What host.json keeps (everything but the data directory itself). */
export interface HostSettings {
  /** Listen multiaddrs (WebRTC Direct, WebSocket, /p2p-circuit, /webrtc). */
  readonly listen: readonly string[]
  /** Announce exactly these instead of the listeners' own addresses (a public IP behind NAT). */
  readonly announce: readonly string[]
  /** Relays: multiaddrs with /p2p/<id>, or http(s) URLs of a relay (its /bootstrap.json is read). */
  readonly bootstrap: readonly string[]
  /** Bytes offered to others (shares and manifest records together). */
  readonly quota: number
  /** Disk space the host never fills (a put that would go below it is refused as over-quota). */
  readonly keepFree: number
  /**
   * Price in stroops per GiB per 30 days (a GiB-month); 0: hosts for free. With a payout account,
   * STAT announces it and stores need an owner's funded escrow (src/net/share/payments.ts).
   */
  readonly price: number
  /** The Stellar account (G…) escrows pay; '' for none (then the host is free whatever its price). */
  readonly payout: string
  /** The ledger escrows are checked on: '' for the first relay's own /ledger, 'testnet', or a Horizon URL. */
  readonly ledger: string
  /** The network passphrase of a custom Horizon (the local ledger's and testnet's are known). */
  readonly ledgerPassphrase: string
  /** host:port of the HTTP side (/health, /metrics, /status.json); '' for none. */
  readonly http: string
  /** Keep and dial private addresses; undefined: decide from the bootstrap addresses. */
  readonly privateNetwork: boolean | undefined
  /** How often delegated files are audited and repaired (ms); 0: this host takes no repair grants. */
  readonly repairEvery: number
  /** How long a holder of a delegated file may be unreachable before its shares are rebuilt elsewhere (ms). */
  readonly repairLostAfter: number
}

export interface HostConfig extends HostSettings {
  readonly dataDir: string
}

const GiB = 1024 ** 3

export const DEFAULT_SETTINGS: HostSettings = {
  listen: ['/ip4/0.0.0.0/udp/4011/webrtc-direct', '/p2p-circuit', '/webrtc'],
  announce: [],
  bootstrap: ['http://127.0.0.1:8080'],
  quota: 10 * GiB,
  keepFree: 1 * GiB,
  price: 0,
  payout: '',
  ledger: '',
  ledgerPassphrase: '',
  http: '127.0.0.1:4012',
  privateNetwork: undefined,
  repairEvery: 3600_000,
  // As the owner's own default (core/repair DEFAULT_LOST_AFTER_MS): tabs come back with their data.
  repairLostAfter: 7 * 24 * 3600_000,
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: GiB,
  gb: GiB,
  gib: GiB,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
}

/** "10GiB", "512 MiB", "1.5g", "1000000" → bytes (binary units). */
export function parseBytes(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined
  if (!m || unit === undefined) throw new HostConfigError(`${what} must be a size such as 10GiB or 512MiB, got "${text}".`)
  return Math.floor(Number(m[1]) * unit)
}

function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function bool(text: string, what: string): boolean {
  const t = text.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(t)) return true
  if (['0', 'false', 'no', 'off'].includes(t)) return false
  throw new HostConfigError(`${what} must be true or false, got "${text}".`)
}

function checkAddrs(addrs: readonly string[], what: string): void {
  for (const a of addrs) {
    try {
      multiaddr(a)
    } catch {
      throw new HostConfigError(`${what} has "${a}", which is not a multiaddr.`)
    }
  }
}

const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3600_000, d: 86_400_000 }

/** "30s", "10m", "6h", "7d", "1500" (ms) → ms. */
export function parseDuration(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? DURATION_UNITS[m[2]!.toLowerCase()] : undefined
  if (!m || unit === undefined) throw new HostConfigError(`${what} must be a duration such as 30s, 10m, 6h or 7d, got "${text}".`)
  return Math.floor(Number(m[1]) * unit)
}

function price(text: string, what: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw new HostConfigError(`${what} must be a whole number of stroops, got "${text}".`)
  return n
}

export const USAGE = `Usage: npm run host -- [options]   (or: node --import tsx host/main.ts [options])

  --data DIR            data directory: identity, settings (host.json), shares (default .layr/host; LAYR_HOST_DATA)
  --listen ADDRS        listen multiaddrs, comma-separated (LAYR_HOST_LISTEN)
                        default /ip4/0.0.0.0/udp/4011/webrtc-direct,/p2p-circuit,/webrtc
                        add /ip4/0.0.0.0/tcp/4013/ws for other Node peers
  --announce ADDRS      announce these instead (a public address behind NAT) (LAYR_HOST_ANNOUNCE)
  --bootstrap LIST      relays: multiaddrs with /p2p/<id> or http(s) URLs of relays (LAYR_BOOTSTRAP)
  --quota SIZE          space offered to others, e.g. 50GiB (default 10GiB; LAYR_HOST_QUOTA)
  --keep-free SIZE      disk space never filled (default 1GiB; LAYR_HOST_KEEP_FREE)
  --price STROOPS       price per GiB per 30 days, in stroops (10,000,000 = 1 XLM); 0: free (LAYR_HOST_PRICE)
  --payout G...         the Stellar account escrows pay; needed for a price to count (LAYR_HOST_PAYOUT)
  --ledger URL          where escrows are checked: '' the first relay's /ledger (default), testnet, or a Horizon URL (LAYR_HOST_LEDGER)
  --ledger-passphrase P the network passphrase of a custom Horizon (LAYR_HOST_LEDGER_PASSPHRASE)
  --http HOST:PORT      /health, /metrics, /status.json ('' for none; default 127.0.0.1:4012; LAYR_HOST_HTTP)
  --private-network B   keep and dial private addresses (default: true when the relays are private; LAYR_PRIVATE_NETWORK)
  --repair-every T      audit and repair files owners delegated to this host this often, e.g. 1h (default 1h;
                        0 takes no repair grants; LAYR_HOST_REPAIR_EVERY)
  --repair-lost-after T rebuild a delegated share once its holder has been unreachable this long (default 7d;
                        LAYR_HOST_REPAIR_LOST_AFTER)

Settings given once are kept in DIR/host.json; later starts need only --data.`

type Source = Partial<Record<keyof HostSettings | 'dataDir', string>>

function fromArgv(argv: readonly string[]): Source & { help?: boolean } {
  const names: Record<string, keyof HostSettings | 'dataDir'> = {
    '--data': 'dataDir',
    '--listen': 'listen',
    '--announce': 'announce',
    '--bootstrap': 'bootstrap',
    '--quota': 'quota',
    '--keep-free': 'keepFree',
    '--price': 'price',
    '--payout': 'payout',
    '--ledger': 'ledger',
    '--ledger-passphrase': 'ledgerPassphrase',
    '--http': 'http',
    '--private-network': 'privateNetwork',
    '--repair-every': 'repairEvery',
    '--repair-lost-after': 'repairLostAfter',
  }
  const out: Source & { help?: boolean } = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') {
      out.help = true
      continue
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const name = names[flag]
    if (!name) throw new HostConfigError(`Unknown option "${arg}".\n\n${USAGE}`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new HostConfigError(`${flag} needs a value.`)
    out[name] = value
  }
  return out
}

function fromEnv(env: NodeJS.ProcessEnv): Source {
  const pick: Array<[keyof HostSettings | 'dataDir', string]> = [
    ['dataDir', 'LAYR_HOST_DATA'],
    ['listen', 'LAYR_HOST_LISTEN'],
    ['announce', 'LAYR_HOST_ANNOUNCE'],
    ['bootstrap', 'LAYR_BOOTSTRAP'],
    ['quota', 'LAYR_HOST_QUOTA'],
    ['keepFree', 'LAYR_HOST_KEEP_FREE'],
    ['price', 'LAYR_HOST_PRICE'],
    ['payout', 'LAYR_HOST_PAYOUT'],
    ['ledger', 'LAYR_HOST_LEDGER'],
    ['ledgerPassphrase', 'LAYR_HOST_LEDGER_PASSPHRASE'],
    ['http', 'LAYR_HOST_HTTP'],
    ['privateNetwork', 'LAYR_PRIVATE_NETWORK'],
    ['repairEvery', 'LAYR_HOST_REPAIR_EVERY'],
    ['repairLostAfter', 'LAYR_HOST_REPAIR_LOST_AFTER'],
  ]
  const out: Source = {}
  for (const [key, name] of pick) if (env[name] !== undefined && env[name]!.trim() !== '') out[key] = env[name]
  return out
}

function apply(base: HostSettings, src: Source, where: string): HostSettings {
  const s = { ...base } as { -readonly [K in keyof HostSettings]: HostSettings[K] }
  if (src.listen !== undefined) s.listen = list(src.listen)
  if (src.announce !== undefined) s.announce = list(src.announce)
  if (src.bootstrap !== undefined) s.bootstrap = list(src.bootstrap)
  if (src.quota !== undefined) s.quota = parseBytes(src.quota, `${where} quota`)
  if (src.keepFree !== undefined) s.keepFree = parseBytes(src.keepFree, `${where} keep-free`)
  if (src.price !== undefined) s.price = price(src.price, `${where} price`)
  if (src.payout !== undefined) s.payout = src.payout.trim()
  if (src.ledger !== undefined) s.ledger = src.ledger.trim()
  if (src.ledgerPassphrase !== undefined) s.ledgerPassphrase = src.ledgerPassphrase
  if (src.http !== undefined) s.http = src.http.trim()
  if (src.privateNetwork !== undefined) s.privateNetwork = bool(src.privateNetwork, `${where} private-network`)
  if (src.repairEvery !== undefined) s.repairEvery = parseDuration(src.repairEvery, `${where} repair-every`)
  if (src.repairLostAfter !== undefined) s.repairLostAfter = parseDuration(src.repairLostAfter, `${where} repair-lost-after`)
  return s
}

/** host.json as read from disk: only known keys of the right type are taken. */
export function settingsFromFile(json: unknown, file: string): Partial<HostSettings> {
  if (typeof json !== 'object' || json === null) throw new HostConfigError(`${file} is not a JSON object; fix it or move it away.`)
  const j = json as Record<string, unknown>
  const out: Record<string, unknown> = {}
  const strings = (k: string) => Array.isArray(j[k]) && (j[k] as unknown[]).every((x) => typeof x === 'string')
  for (const k of ['listen', 'announce', 'bootstrap']) if (strings(k)) out[k] = j[k]
  for (const k of ['quota', 'keepFree', 'price', 'repairEvery', 'repairLostAfter']) if (Number.isSafeInteger(j[k]) && (j[k] as number) >= 0) out[k] = j[k]
  if (typeof j.http === 'string') out.http = j.http
  for (const k of ['payout', 'ledger', 'ledgerPassphrase']) if (typeof j[k] === 'string') out[k] = j[k]
  if (typeof j.privateNetwork === 'boolean') out.privateNetwork = j.privateNetwork
  return out as Partial<HostSettings>
}

/** The data directory named by flags or environment (host.json is read from it before the rest). */
export function dataDirFrom(argv: readonly string[], env: NodeJS.ProcessEnv): { dataDir: string; help: boolean } {
  const a = fromArgv(argv)
  return { dataDir: a.dataDir ?? fromEnv(env).dataDir ?? '.layr/host', help: a.help === true }
}

export function resolveConfig(dataDir: string, stored: Partial<HostSettings>, argv: readonly string[], env: NodeJS.ProcessEnv): HostConfig {
  const fromFile = { ...DEFAULT_SETTINGS, ...stored }
  const s = apply(apply(fromFile, fromEnv(env), 'LAYR_HOST_*'), fromArgv(argv), '--')
  checkAddrs(s.listen, 'The listen list')
  checkAddrs(s.announce, 'The announce list')
  for (const b of s.bootstrap) if (!/^https?:\/\//i.test(b)) checkAddrs([b], 'The bootstrap list')
  if (s.payout !== '' && !isAccountId(s.payout)) throw new HostConfigError(`--payout must be a Stellar account id (G…), got "${s.payout}".`)
  if (s.ledger !== '' && s.ledger !== 'testnet') {
    if (!/^https?:\/\//i.test(s.ledger)) throw new HostConfigError(`--ledger must be '', testnet or a Horizon URL, got "${s.ledger}".`)
    if (s.ledgerPassphrase === '')
      throw new HostConfigError('A custom --ledger needs --ledger-passphrase (the network passphrase transactions are signed over).')
  }
  if (s.http !== '' && !/^[^\s]+:\d{1,5}$/.test(s.http)) throw new HostConfigError(`--http must be host:port (or '' for none), got "${s.http}".`)
  return { ...s, dataDir }
}
