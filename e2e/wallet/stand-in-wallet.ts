/**
 * A stand-in for the Freighter extension in end-to-end tests. It answers Freighter's real
 * page↔extension message protocol (of `@stellar/freighter-api` 6.0.1, read from its built code and
 * the extension's freighterApiMessageListener), so the app's own freighter-api code runs
 * unchanged in Chromium:
 *
 *   page → window.postMessage({source: 'FREIGHTER_EXTERNAL_MSG_REQUEST', messageId, type, …}, origin)
 *   stand-in → window.postMessage({source: 'FREIGHTER_EXTERNAL_MSG_RESPONSE', messagedId: messageId, …}, origin)
 *
 * (`messagedId` really is spelled so, and freighter-api accepts an answer only from `window`.)
 * A page init script relays each request to Node (`exposeFunction`), where the secret key lives
 * and signing happens with stellar-sdk; the page never sees the key.
 *
 * Use: `const wallet = await installStandInWallet(pageOrContext, { network })` before the page
 * loads; then `wallet.publicKey`, `wallet.decide = 'reject'`, `wallet.switchAccount()`,
 * `wallet.switchNetwork(…)`, and `wallet.requests` / `wallet.signed` to see what the app asked.
 * A missing wallet is simply not installing it (`absent: true` returns a controller that never answers).
 */
import { Keypair, Networks, TransactionBuilder, type FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk'
import type { BrowserContext, Page } from '@playwright/test'

/** A network as Freighter describes it (REQUEST_NETWORK_DETAILS). */
export interface StandInNetwork {
  /** Freighter's network id: "PUBLIC", "TESTNET", "FUTURENET", or a custom network's. */
  readonly network: string
  readonly networkName?: string
  readonly networkPassphrase: string
  readonly networkUrl: string
  readonly sorobanRpcUrl?: string
}

export const STAND_IN_NETWORKS = {
  testnet: {
    network: 'TESTNET',
    networkName: 'Test Net',
    networkPassphrase: Networks.TESTNET,
    networkUrl: 'https://horizon-testnet.stellar.org',
    sorobanRpcUrl: 'https://soroban-testnet.stellar.org',
  },
  public: { network: 'PUBLIC', networkName: 'Main Net', networkPassphrase: Networks.PUBLIC, networkUrl: 'https://horizon.stellar.org' },
} satisfies Record<string, StandInNetwork>

/** What the "user" does with a request that needs a click. */
export type Decision = 'approve' | 'reject'

/** A request the page sent, as the stand-in received it (without `source` and `messageId`). */
export interface StandInRequest {
  readonly type: string
  readonly [field: string]: unknown
}

/** A transaction the stand-in signed. */
export interface StandInSignature {
  readonly transactionXdr: string
  readonly signedXdr: string
  readonly networkPassphrase: string
  readonly signer: string
}

export interface StandInWalletOptions {
  /** No extension at all: nothing answers, as in a browser without Freighter. */
  readonly absent?: boolean
  /** Defaults to testnet. */
  readonly network?: StandInNetwork
  /** The account's secret (S…); a random one when omitted. */
  readonly secret?: string
  /** Whether the site is already on Freighter's allow list (REQUEST_PUBLIC_KEY answers "" until it is). */
  readonly allowed?: boolean
  /** What the user does with access and signing requests (default 'approve'); may be a function, asked per request. */
  readonly decide?: Decision | ((request: StandInRequest) => Decision | Promise<Decision>)
}

export interface StandInWallet {
  readonly publicKey: string
  readonly network: StandInNetwork
  /** Whether the site is allowed (connected). */
  allowed: boolean
  decide: Decision | ((request: StandInRequest) => Decision | Promise<Decision>)
  /** Every request the page sent, in order. */
  readonly requests: StandInRequest[]
  /** Every transaction the stand-in signed, in order. */
  readonly signed: StandInSignature[]
  /** Switches to another account (a random one unless a secret is given); returns its address. The site stays allowed, as in Freighter. */
  switchAccount(secret?: string): string
  switchNetwork(network: StandInNetwork): void
  /** The keypair, for tests that check signatures or spend from the account in Node. */
  keypair(): Keypair
}

/** Freighter's answers for a refusal and for an internal error; both carry the old `error` string too. */
export const DECLINED = { apiError: { code: -4, message: 'The user rejected this request.' }, error: 'The user rejected this request.' }
const internal = (why: string) => ({ apiError: { code: -1, message: `The wallet encountered an internal error: ${why}` }, error: why })

const BINDING = '__layrStandInFreighter'

/** Runs in the page before its scripts: relays Freighter requests to Node and posts the answers back. */
function pageScript(binding: string): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { source?: unknown; messageId?: unknown } | null
    if (event.source !== window || !data || data.source !== 'FREIGHTER_EXTERNAL_MSG_REQUEST') return
    const { source: _source, messageId, ...request } = data
    const ask = (window as unknown as Record<string, (r: unknown) => Promise<Record<string, unknown>>>)[binding]
    if (!ask) return
    // A failure in Node (a test's `decide` throwing) still gets an answer, as an internal error, rather than a hang.
    void ask(request)
      .catch((err: unknown) => ({ apiError: { code: -1, message: `The stand-in wallet failed: ${String(err)}` }, error: String(err) }))
      .then((answer) => window.postMessage({ source: 'FREIGHTER_EXTERNAL_MSG_RESPONSE', messagedId: messageId, ...answer }, window.location.origin))
  })
}

export async function installStandInWallet(target: Page | BrowserContext, options: StandInWalletOptions = {}): Promise<StandInWallet> {
  let kp = options.secret ? Keypair.fromSecret(options.secret) : Keypair.random()
  let network: StandInNetwork = options.network ?? STAND_IN_NETWORKS.testnet
  const requests: StandInRequest[] = []
  const signed: StandInSignature[] = []

  const wallet: StandInWallet = {
    get publicKey() {
      return kp.publicKey()
    },
    get network() {
      return network
    },
    allowed: options.allowed ?? false,
    decide: options.decide ?? 'approve',
    requests,
    signed,
    switchAccount(secret?: string) {
      kp = secret ? Keypair.fromSecret(secret) : Keypair.random()
      return kp.publicKey()
    },
    switchNetwork(next: StandInNetwork) {
      network = next
    },
    keypair: () => kp,
  }
  if (options.absent) return wallet

  const decision = async (request: StandInRequest): Promise<Decision> => (typeof wallet.decide === 'function' ? wallet.decide(request) : wallet.decide)

  function sign(request: StandInRequest): Record<string, unknown> {
    const xdr = request.transactionXdr
    if (typeof xdr !== 'string') return internal('no transactionXdr')
    // As the extension: the given passphrase, else the named network's, else mainnet's.
    const passphrase =
      typeof request.networkPassphrase === 'string' && request.networkPassphrase
        ? request.networkPassphrase
        : request.network === 'TESTNET'
          ? Networks.TESTNET
          : Networks.PUBLIC
    let tx: Transaction | FeeBumpTransaction
    try {
      tx = TransactionBuilder.fromXDR(xdr, passphrase)
    } catch (err) {
      return internal(`cannot read the transaction: ${(err as Error).message}`)
    }
    tx.sign(kp)
    const signedXdr = tx.toXDR()
    signed.push({ transactionXdr: xdr, signedXdr, networkPassphrase: passphrase, signer: kp.publicKey() })
    return { signedTransaction: signedXdr, signerAddress: kp.publicKey() }
  }

  async function answer(request: StandInRequest): Promise<Record<string, unknown>> {
    requests.push(request)
    switch (request.type) {
      case 'REQUEST_CONNECTION_STATUS':
        return { isConnected: true }
      case 'REQUEST_ALLOWED_STATUS':
        return { isAllowed: wallet.allowed }
      case 'SET_ALLOWED_STATUS':
      case 'REQUEST_ACCESS': {
        if (!wallet.allowed && (await decision(request)) === 'reject') return DECLINED
        wallet.allowed = true
        return request.type === 'REQUEST_ACCESS' ? { publicKey: kp.publicKey() } : { isAllowed: true }
      }
      case 'REQUEST_PUBLIC_KEY':
        return { publicKey: wallet.allowed ? kp.publicKey() : '' }
      case 'REQUEST_NETWORK':
        return { network: network.network, networkPassphrase: network.networkPassphrase }
      case 'REQUEST_NETWORK_DETAILS':
        return {
          networkDetails: {
            network: network.network,
            networkName: network.networkName ?? network.network,
            networkUrl: network.networkUrl,
            networkPassphrase: network.networkPassphrase,
            sorobanRpcUrl: network.sorobanRpcUrl,
          },
        }
      case 'SUBMIT_TRANSACTION': {
        // Freighter's popup cannot sign for another network or account than its own: the user can only close it.
        const wrongNetwork = typeof request.networkPassphrase === 'string' && request.networkPassphrase !== network.networkPassphrase
        const wrongAccount = typeof request.accountToSign === 'string' && request.accountToSign !== kp.publicKey()
        if (wrongNetwork || wrongAccount || (await decision(request)) === 'reject') return DECLINED
        const result = sign(request)
        if ('signedTransaction' in result) wallet.allowed = true
        return result
      }
      default:
        // SUBMIT_BLOB, SUBMIT_AUTH_ENTRY, SUBMIT_TOKEN, …: Layr does not use them, so neither does the stand-in.
        return internal(`the stand-in wallet does not implement ${request.type}`)
    }
  }

  await target.exposeFunction(BINDING, answer)
  await target.addInitScript(pageScript, BINDING)
  return wallet
}
