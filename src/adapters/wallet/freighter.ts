/**
 * The Wallet port over the Freighter extension, through `@stellar/freighter-api` (pinned
 * exactly in package.json: its page↔extension message protocol is internal to it, and the
 * stand-in wallet of the end-to-end tests answers that protocol).
 *
 * What the library does that shapes this adapter (6.0.1, read from its built code):
 * - only `isConnected()` and `getAddress()` give up (after 2 s) when no extension answers;
 *   every other call waits forever. So each call first makes sure the extension is there
 *   (`isConnected()`), and the calls that need no click get a deadline of their own.
 * - results carry errors in an `error` field instead of throwing; older releases threw, or
 *   returned the signed XDR as a bare string. Both are read here, and turned into the port's
 *   typed errors (`walletErrorOf`, `signedXdrOf`), here and nowhere else.
 * - Freighter signs over whatever passphrase it is given (mainnet's when none), and only its
 *   popup notices another network. So the adapter always sends the passphrase and compares
 *   Freighter's network with the app's ledger before it asks for a signature.
 */
import freighterApi from '@stellar/freighter-api'
import {
  WalletAccountError,
  WalletError,
  WalletMissingError,
  WalletNetworkError,
  WalletNotConnectedError,
  WalletRejectedError,
  type SignOptions,
  type Wallet,
  type WalletNetwork,
  type WalletState,
} from '../../ports/wallet.ts'

/** What a watcher of `WatchWalletChanges` is called with. */
export interface FreighterWatchParams {
  address: string
  network: string
  networkPassphrase: string
  error?: unknown
}

/** The part of `@stellar/freighter-api` the adapter uses; results are read defensively, since their shape changed across releases. */
export interface FreighterApi {
  isConnected(): Promise<unknown>
  requestAccess(): Promise<unknown>
  getAddress(): Promise<unknown>
  getNetworkDetails(): Promise<unknown>
  signTransaction(xdr: string, opts?: { networkPassphrase?: string; address?: string }): Promise<unknown>
  WatchWalletChanges: new (timeoutMs?: number) => { watch(cb: (params: FreighterWatchParams) => void): unknown; stop(): void }
}

export interface FreighterWalletOptions {
  /** The app's ledger: the network Freighter must be on to sign. */
  readonly ledger: WalletNetwork
  /** The freighter-api module; unit tests pass a fake. */
  readonly api?: FreighterApi
  /** How long a call that needs no click may take before it is a WalletError (default 5 s). */
  readonly answerTimeoutMs?: number
  /** How often `watch` asks Freighter for its account and network (default 3 s, the library's). */
  readonly watchIntervalMs?: number
  /** How long `detect` waits for an answer besides the library's own 2 s (default 3 s). */
  readonly detectTimeoutMs?: number
}

/** Freighter's code for "the user rejected this request" (FreighterApiDeclinedError). */
export const FREIGHTER_DECLINED = -4

type Fields = Record<string, unknown>
const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null
const text = (v: unknown): string => (typeof v === 'string' ? v : '')

/**
 * The port's error for what Freighter reported: an `error`/`apiError` field ({code, message}),
 * a thrown Error, or a thrown string (older releases). Undefined when there is no error.
 */
export function walletErrorOf(reported: unknown): WalletError | undefined {
  if (reported === undefined || reported === null || reported === '') return undefined
  if (reported instanceof WalletError) return reported
  let code: number | undefined
  let message = ''
  if (typeof reported === 'string') message = reported
  else if (reported instanceof Error) message = reported.message
  else if (isFields(reported)) {
    code = typeof reported.code === 'number' ? reported.code : undefined
    message = text(reported.message)
  } else message = String(reported)
  if (code === FREIGHTER_DECLINED || /\b(declined|rejected|denied)\b/i.test(message)) return new WalletRejectedError()
  if (/node environment/i.test(message)) return new WalletMissingError()
  return new WalletError(
    `Freighter reported an error${code === undefined ? '' : ` (code ${code})`}: ${message || 'no details'}. ` +
      'Check that Freighter is unlocked and try again.',
  )
}

/** The error a result object carries (6.x puts it in `error`; the raw protocol answer in `apiError`). */
function reportedError(result: unknown): WalletError | undefined {
  if (!isFields(result)) return undefined
  return walletErrorOf(result.error) ?? walletErrorOf(result.apiError)
}

/**
 * The signed envelope out of what `signTransaction` resolved with: `{signedTxXdr, signerAddress,
 * error?}` in 6.x, a bare string before. Throws the port's error for an error or an empty answer.
 */
export function signedXdrOf(result: unknown): { xdr: string; signer: string | undefined } {
  if (typeof result === 'string' && result !== '') return { xdr: result, signer: undefined }
  const error = reportedError(result)
  if (error) throw error
  if (isFields(result)) {
    const xdr = text(result.signedTxXdr) || text(result.signedTransaction)
    if (xdr) return { xdr, signer: text(result.signerAddress) || undefined }
  }
  throw new WalletError('Freighter answered without a signed transaction. Try again; if it keeps happening, update Freighter.')
}

/** The network out of what `getNetworkDetails` resolved with. */
export function networkOf(result: unknown): WalletNetwork {
  const error = reportedError(result)
  if (error) throw error
  const fields = isFields(result) ? result : {}
  const passphrase = text(fields.networkPassphrase)
  if (!passphrase) throw new WalletError('Freighter did not say which network it is on. Unlock Freighter and try again.')
  const horizonUrl = text(fields.networkUrl)
  return { passphrase, name: text(fields.network) || text(fields.networkName) || passphrase, ...(horizonUrl ? { horizonUrl } : {}) }
}

/** Runs a call that needs no click, which freighter-api would let hang forever, against a deadline. */
async function answered<T>(call: () => Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WalletError(`Freighter did not answer (${what}) within ${Math.round(ms / 1000)} s. Unlock Freighter, reload the page and try again.`)),
      ms,
    )
  })
  try {
    return await Promise.race([call(), late])
  } catch (err) {
    throw walletErrorOf(err) ?? err
  } finally {
    clearTimeout(timer)
  }
}

export function createFreighterWallet(options: FreighterWalletOptions): Wallet {
  const api: FreighterApi = options.api ?? freighterApi
  const { ledger } = options
  const answerMs = options.answerTimeoutMs ?? 5000
  const detectMs = options.detectTimeoutMs ?? 3000
  // A positive answer holds for the page's life (an extension is not removed under a page);
  // a negative one is asked again, since the owner may install Freighter and come back.
  let present = false

  async function detect(): Promise<boolean> {
    if (present) return true
    let result: unknown
    try {
      result = await answered(() => api.isConnected(), detectMs, 'is it installed')
    } catch {
      return false
    }
    const connected = typeof result === 'boolean' ? result : isFields(result) && result.isConnected === true
    present = connected
    return connected
  }

  async function ensurePresent(): Promise<void> {
    if (!(await detect())) throw new WalletMissingError()
  }

  async function network(): Promise<WalletNetwork> {
    await ensurePresent()
    return networkOf(await answered(() => api.getNetworkDetails(), answerMs, 'its network'))
  }

  async function checkNetwork(passphrase = ledger.passphrase): Promise<WalletNetwork> {
    const current = await network()
    if (current.passphrase !== passphrase) {
      throw new WalletNetworkError(current, passphrase === ledger.passphrase ? ledger : { passphrase, name: passphrase })
    }
    return current
  }

  async function address(): Promise<string> {
    await ensurePresent()
    const result = await answered(() => api.getAddress(), answerMs, 'its account')
    const error = reportedError(result)
    if (error) throw error
    // Freighter answers an empty address to a site it has not allowed.
    const value = typeof result === 'string' ? result : isFields(result) ? text(result.address) || text(result.publicKey) : ''
    if (!value) throw new WalletNotConnectedError()
    return value
  }

  async function connect(): Promise<string> {
    await ensurePresent()
    let result: unknown
    try {
      result = await api.requestAccess()
    } catch (err) {
      throw walletErrorOf(err) ?? err
    }
    const error = reportedError(result)
    if (error) throw error
    const value = typeof result === 'string' ? result : isFields(result) ? text(result.address) || text(result.publicKey) : ''
    if (!value) throw new WalletNotConnectedError('Freighter gave no account. Unlock Freighter, make sure it has an account, and connect again.')
    return value
  }

  async function signTransaction(xdr: string, opts: SignOptions = {}): Promise<string> {
    if (typeof xdr !== 'string' || xdr === '') throw new TypeError('signTransaction: expected a transaction envelope as base64 XDR, got an empty value')
    const networkPassphrase = opts.networkPassphrase ?? ledger.passphrase
    await checkNetwork(networkPassphrase)
    if (opts.address !== undefined) {
      const current = await address()
      if (current !== opts.address) throw new WalletAccountError(opts.address, current)
    }
    let result: unknown
    try {
      result = await api.signTransaction(xdr, { networkPassphrase, ...(opts.address ? { address: opts.address } : {}) })
    } catch (err) {
      throw walletErrorOf(err) ?? err
    }
    const signed = signedXdrOf(result)
    if (opts.address !== undefined && signed.signer !== undefined && signed.signer !== opts.address) {
      throw new WalletAccountError(opts.address, signed.signer)
    }
    return signed.xdr
  }

  function watch(onChange: (state: WalletState) => void, onError?: (error: WalletError) => void): () => void {
    let stopped = false
    let watcher: InstanceType<FreighterApi['WatchWalletChanges']> | undefined
    void detect().then((there) => {
      if (stopped) return
      if (!there) return onError?.(new WalletMissingError())
      watcher = new api.WatchWalletChanges(options.watchIntervalMs ?? 3000)
      watcher.watch((params) => {
        if (stopped) return
        const error = walletErrorOf(params.error)
        if (error) return onError?.(error)
        const passphrase = text(params.networkPassphrase)
        onChange({
          address: text(params.address) || undefined,
          network: { passphrase, name: text(params.network) || passphrase },
          networkMatches: passphrase === ledger.passphrase,
        })
      })
    })
    return () => {
      stopped = true
      watcher?.stop()
    }
  }

  return { ledger, detect, connect, address, network, checkNetwork: () => checkNetwork(), signTransaction, watch }
}
