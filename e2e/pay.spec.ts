/**
 * Paying hosts, through the UI alone, on the relay's development ledger: three host tabs set a
 * price and a payout account; an owner whose Freighter is the stand-in (Freighter's real message
 * protocol, the key kept in Node) backs a file up, sees the cost before anything is signed, pays
 * with ONE signature for all three hosts' escrows, and the hosts claim on delivery. The Wallet view
 * shows each escrow's delivery window paid, Files what the file pays, Hosting what each host earned.
 * A declined signature and a wallet on another network each give a clear message, and no escrow is
 * left half-made (the owner's balance and escrow list do not move); without a wallet, the hosts that
 * charge are left out, the row says so, and the backup goes to free hosts.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { closeTabs, createVault, dropFiles, openHost, testFile, type Tab } from './ui.ts'
import { installStandInWallet, STAND_IN_NETWORKS, type StandInNetwork, type StandInWallet, type StandInWalletOptions } from './wallet/stand-in-wallet.ts'
import { Keypair } from '@stellar/stellar-sdk'

const LOCAL_PASSPHRASE = 'Layr local development ledger ; not a blockchain'
const local = (baseURL: string): StandInNetwork => ({
  network: 'LAYR-LOCAL',
  networkName: 'Layr local',
  networkPassphrase: LOCAL_PASSPHRASE,
  networkUrl: `${baseURL}/ledger`,
})

test.describe.configure({ mode: 'serial' })

async function ledgerBalance(page: Page, account: string): Promise<number> {
  const res = await page.request.get(`/ledger/accounts/${account}`)
  if (res.status() === 404) return 0
  const body = (await res.json()) as { balances: { balance: string; asset_type: string }[] }
  return Number(body.balances.find((b) => b.asset_type === 'native')?.balance ?? 0)
}

/** An owner tab with the stand-in wallet, a vault, and (unless absent) a connected, funded account. */
async function openOwner(browser: Browser, baseURL: string, name: string, options: StandInWalletOptions): Promise<Tab & { wallet: StandInWallet }> {
  const context = await browser.newContext({ baseURL })
  const wallet = await installStandInWallet(context, options)
  const page = await context.newPage()
  const log: string[] = []
  page.on('pageerror', (e) => log.push(`[${name}] pageerror: ${e.message}`))
  await page.goto('/')
  await createVault(page)
  await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })
  if (!options.absent) {
    await page.request.get(`/ledger/friendbot?addr=${wallet.publicKey}`)
    await page.getByRole('tab', { name: 'Wallet' }).click()
    const panel = page.getByRole('tabpanel', { name: 'Wallet' })
    await expect(panel.getByTestId('wallet-address')).toHaveText(wallet.publicKey)
  }
  await page.getByRole('tab', { name: 'Files' }).click()
  return { name, context, page, log, wallet }
}

test.describe('hosts earn lumens', () => {
  let hosts: Tab[] = []
  const payees: string[] = []
  let owner: (Tab & { wallet: StandInWallet }) | undefined
  const others: Tab[] = []

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    hosts = await Promise.all(['host-a', 'host-b', 'host-c'].map((n) => openHost(browser, n)))
    for (const h of hosts) {
      // Each host is paid into an account of its own on the ledger, typed into the Hosting view.
      const payee = Keypair.random().publicKey()
      await h.page.request.get(`/ledger/friendbot?addr=${payee}`)
      payees.push(payee)
      await h.page.getByRole('tab', { name: 'Hosting' }).click()
      await h.page.getByLabel('XLM per GiB-month (0: free)').fill('0.5')
      await h.page.getByLabel('Payout account (G…)').fill(payee)
      await h.page.getByRole('button', { name: 'Save price' }).click()
      await expect(h.page.getByTestId('hosting-earnings')).toContainText('Earned: 0 XLM')
    }
  })

  test.afterAll(async () => {
    await closeTabs([...hosts, owner, ...others])
  })

  test('one signature pays every host that charges; they claim on delivery; Wallet, Files and Hosting show it', async ({ browser, baseURL }) => {
    test.setTimeout(180_000)
    owner = await openOwner(browser, baseURL!, 'owner', { network: local(baseURL!), allowed: true })
    const { page, wallet } = owner
    const before = await ledgerBalance(page, wallet.publicKey)
    expect(before).toBe(10_000)
    const file = testFile('paid.bin', 300_000)
    await dropFiles(page, [file])
    // The cost comes first; nothing is signed until the owner says so.
    const prompt = page.getByTestId('upload-payment')
    await expect(prompt).toContainText('3 hosts charge for this backup', { timeout: 60_000 })
    await expect(prompt).toContainText('reserves, which come back')
    expect(wallet.signed).toHaveLength(0)
    await prompt.getByRole('button', { name: 'Pay with wallet' }).click()
    await expect(page.getByTestId('upload-stage')).toContainText('Done', { timeout: 90_000 })
    expect(wallet.signed).toHaveLength(1)
    // The owner paid the escrows (price, reserves, fee buffers) in one transaction.
    const after = await ledgerBalance(page, wallet.publicKey)
    expect(before - after).toBeGreaterThan(3 * 3.5)
    expect(before - after).toBeLessThan(3 * 3.5 + 1)

    await expect(page.getByTestId('file-cost')).toContainText('to 3 hosts', { timeout: 20_000 })

    await page.getByRole('tab', { name: 'Wallet' }).click()
    const panel = page.getByRole('tabpanel', { name: 'Wallet' })
    await expect(panel.getByTestId('escrow')).toHaveCount(3, { timeout: 20_000 })
    for (const e of await panel.getByTestId('escrow').all()) {
      await expect(e.getByTestId('escrow-state')).toContainText('Locked')
      await expect(e.getByTestId('escrow-window').first()).toContainText(/On delivery: .* — paid/)
      await expect(e.getByTestId('escrow-window').nth(1)).toContainText(/Audit 1: .* — open/)
    }

    // Each host claimed into its payout account, and its Hosting view says what it earned.
    for (const [i, h] of hosts.entries()) {
      await expect.poll(() => ledgerBalance(h.page, payees[i]!), { timeout: 20_000 }).toBeGreaterThan(10_000)
      await expect(h.page.getByTestId('hosting-earnings')).toContainText(/Earned: 0\.0+\d+ XLM\s+from 1 claim/, { timeout: 20_000 })
    }
  })

  test('a declined signature says so; nothing is paid, stored or half-made', async () => {
    test.setTimeout(120_000)
    const { page, wallet } = owner!
    wallet.decide = 'reject'
    const before = await ledgerBalance(page, wallet.publicKey)
    await page.getByRole('tab', { name: 'Files' }).click()
    await dropFiles(page, [testFile('declined.bin', 100_000)])
    await page.getByTestId('upload-payment').getByRole('button', { name: 'Pay with wallet' }).click()
    const row = page.locator('li.job', { hasText: 'declined.bin' })
    await expect(row.getByRole('alert').or(row.locator('.message'))).toContainText('declined in the wallet', { timeout: 60_000 })
    expect(await ledgerBalance(page, wallet.publicKey)).toBe(before)
    await page.getByRole('tab', { name: 'Wallet' }).click()
    await page.getByRole('button', { name: 'Refresh escrows' }).click()
    await expect(page.getByTestId('escrow')).toHaveCount(3)
  })

  test('without a wallet, or with one on another network, the message says what to do and nothing is paid', async ({ browser, baseURL }) => {
    test.setTimeout(180_000)
    const absent = await openOwner(browser, baseURL!, 'no-wallet', { absent: true })
    others.push(absent)
    await dropFiles(absent.page, [testFile('nowallet.bin', 50_000)])
    const row = absent.page.locator('li.job', { hasText: 'nowallet.bin' })
    // The hosts that charge are left out and said so; the backup goes to the free ones (the other
    // owners' tabs host for free).
    await expect(row.getByTestId('upload-unpaid')).toContainText('3 hosts that charge were left out: connect a wallet', { timeout: 60_000 })
    await expect(row.getByTestId('upload-stage')).toContainText(/Backed up|Done/, { timeout: 60_000 })
    expect(absent.wallet.signed).toHaveLength(0)

    const elsewhere = await openOwner(browser, baseURL!, 'testnet-wallet', { network: STAND_IN_NETWORKS.testnet, allowed: true })
    others.push(elsewhere)
    await dropFiles(elsewhere.page, [testFile('elsewhere.bin', 50_000)])
    // The network is checked before any quote or signature.
    const row2 = elsewhere.page.locator('li.job', { hasText: 'elsewhere.bin' })
    await expect(row2).toContainText(/Freighter is on the network “TESTNET”/, { timeout: 60_000 })
    expect(elsewhere.wallet.signed).toHaveLength(0)
    await elsewhere.page.getByRole('tab', { name: 'Wallet' }).click()
    await expect(elsewhere.page.getByTestId('escrows-none')).toBeVisible()
  })
})
