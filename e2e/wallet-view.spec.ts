/**
 * The Wallet view in Chromium, with the stand-in Freighter (e2e/wallet/stand-in-wallet.ts) and the
 * relay's local development ledger (the app's default ledger): a missing wallet says so within
 * seconds; connecting shows the account, Freighter's network and, after "Get test lumens", a balance
 * read from the ledger; a wallet on another network is warned about, also when it switches there
 * while the view is open.
 */
import { expect, test, type Browser } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { installStandInWallet, STAND_IN_NETWORKS, type StandInNetwork, type StandInWalletOptions } from './wallet/stand-in-wallet.ts'

const LOCAL_PASSPHRASE = 'Layr local development ledger ; not a blockchain'

function onLocalLedger(baseURL: string): StandInNetwork {
  return { network: 'LAYR-LOCAL', networkName: 'Layr local', networkPassphrase: LOCAL_PASSPHRASE, networkUrl: `${baseURL}/ledger` }
}

async function openWallet(browser: Browser, baseURL: string, options: StandInWalletOptions) {
  const context = await browser.newContext({ baseURL })
  const wallet = await installStandInWallet(context, options)
  const page = await context.newPage()
  // The Wallet view is there before a vault exists too; no network needed for it.
  await page.goto('/?autostart=0#wallet')
  await expect(page.getByRole('tab', { name: 'Wallet' })).toHaveAttribute('aria-selected', 'true')
  return { page, wallet, close: () => context.close() }
}

test.describe('the Wallet view', () => {
  test('connect shows the address, the network and, after test lumens, a balance; the ledger says it is a stand-in', async ({ browser, baseURL }) => {
    const { page, wallet, close } = await openWallet(browser, baseURL!, { network: onLocalLedger(baseURL!) })
    try {
      const panel = page.getByRole('tabpanel', { name: 'Wallet' })
      await expect(panel.getByTestId('wallet-ledger')).toContainText('not a blockchain')
      await panel.getByRole('button', { name: 'Connect wallet' }).click()
      await expect(panel.getByTestId('wallet-address')).toHaveText(wallet.publicKey)
      await expect(panel.getByTestId('wallet-network')).toHaveText(/LAYR-LOCAL.*matches/)
      await expect(panel.getByTestId('wallet-balance')).toContainText('does not exist on this ledger yet')
      await expect(panel.getByTestId('wallet-network-warning')).toHaveCount(0)
      await panel.getByRole('button', { name: 'Get test lumens' }).click()
      await expect(panel.getByTestId('wallet-balance')).toHaveText('10,000 XLM')
      await expect(panel.getByRole('status').filter({ hasText: 'Test lumens received' })).toBeVisible()
      // The balance is the ledger's: read it over HTTP too.
      const account = (await (await page.request.get(`/ledger/accounts/${wallet.publicKey}`)).json()) as { balances: { balance: string }[] }
      expect(account.balances[0]?.balance).toBe('10000.0000000')

      // Switching Freighter to another network while the view is open: the warning comes.
      wallet.switchNetwork(STAND_IN_NETWORKS.testnet)
      await expect(panel.getByTestId('wallet-network-warning')).toContainText(/Freighter is on “TESTNET”.*Layr local ledger/, { timeout: 10_000 })
      // A reload keeps the connection (the site stays allowed) and still warns.
      await page.reload()
      await expect(panel.getByTestId('wallet-address')).toHaveText(wallet.publicKey)
      await expect(panel.getByTestId('wallet-network-warning')).toBeVisible()
    } finally {
      await close()
    }
  })

  test('a wallet on another network is warned about', async ({ browser, baseURL }) => {
    const { page, close } = await openWallet(browser, baseURL!, { network: STAND_IN_NETWORKS.public, allowed: true })
    try {
      const panel = page.getByRole('tabpanel', { name: 'Wallet' })
      await expect(panel.getByTestId('wallet-network-warning')).toContainText(/Freighter is on “PUBLIC”, but Layr's ledger is “Layr local ledger”/)
      await expect(panel.getByTestId('wallet-network-warning')).toContainText(LOCAL_PASSPHRASE)
    } finally {
      await close()
    }
  })

  test('a missing wallet says so within a few seconds, and points to free hosts', async ({ browser, baseURL }) => {
    const started = Date.now()
    const { page, close } = await openWallet(browser, baseURL!, { absent: true })
    try {
      const missing = page.getByTestId('wallet-missing')
      await expect(missing).toContainText('No Freighter wallet in this browser', { timeout: 6000 })
      expect(Date.now() - started).toBeLessThan(8000)
      await expect(missing).toContainText('hosts that store for free')
      await expect(page.getByRole('button', { name: 'Connect wallet' })).toHaveCount(0)
    } finally {
      await close()
    }
  })
})

test('the app’s entry chunk (production) holds neither Freighter’s API nor stellar-sdk: they load with the views that need them', () => {
  const html = readFileSync('dist/index.html', 'utf8')
  const entry = /<script[^>]+src="\/?([^"]+\.js)"/.exec(html)?.[1]
  expect(entry).toBeTruthy()
  // The entry and every chunk it imports statically (what loads before anything is asked for).
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(join('dist', file), 'utf8')
    for (const m of code.matchAll(/(?:^|[;\s])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) visit(join('assets', m[1]!))
  }
  visit(entry!)
  for (const file of seen) {
    const code = readFileSync(join('dist', file), 'utf8')
    expect(code, file).not.toContain('FREIGHTER_EXTERNAL_MSG_REQUEST')
    expect(code, file).not.toContain('envelopeTypeTx')
  }
})
