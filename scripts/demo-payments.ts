/**
 * Watch a host earn lumens, without a wallet extension: with `npm start` running, this opens four
 * browser profiles in Chromium (headless), drives them through the UI as a person would, and says
 * what each one shows. Three host tabs set a price (0.5 XLM per GiB-month) and are paid into their
 * own test accounts; the owner's Freighter is the tests' stand-in (e2e/wallet/stand-in-wallet.ts:
 * Freighter's real message protocol, its key kept in this process). The owner backs up a file, sees
 * the cost, pays with one signature, and the hosts claim on delivery. Screenshots go to demo-shots/.
 *
 *   npm start                 # in one terminal
 *   npm run demo:payments     # in another (LAYR_URL=http://127.0.0.1:8080 by default)
 */
import { chromium, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { installStandInWallet } from '../e2e/wallet/stand-in-wallet.ts'
import { CHROMIUM_ARGS } from '../e2e/chromium-args.ts'

const base = (process.env.LAYR_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
const shots = 'demo-shots'
mkdirSync(shots, { recursive: true })
const local = {
  network: 'LAYR-LOCAL',
  networkName: 'Layr local',
  networkPassphrase: 'Layr local development ledger ; not a blockchain',
  networkUrl: `${base}/ledger`,
}
const say = (text: string): void => console.log(`• ${text}`)
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true })

try {
  await fetch(`${base}/health`)
} catch {
  console.error(`No Layr at ${base}: run \`npm start\` first (or set LAYR_URL).`)
  process.exit(1)
}
const browser = await chromium.launch({ executablePath: process.env.LAYR_CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS] })
try {
  const open = async (name: string) => {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } })
    const wallet = await installStandInWallet(context, { network: local })
    const page = await context.newPage()
    await page.goto('/')
    await page.getByRole('button', { name: 'Create a new vault' }).click()
    await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
    await page.getByRole('button', { name: 'Continue to my files' }).click()
    await page.getByRole('tab', { name: 'Wallet' }).click()
    await page.getByRole('button', { name: 'Connect wallet' }).click()
    await page.getByRole('button', { name: 'Get test lumens' }).click()
    await page.getByTestId('wallet-balance').filter({ hasText: 'XLM' }).waitFor({ timeout: 30_000 })
    say(`${name}: vault made, wallet ${wallet.publicKey.slice(0, 6)}… has ${await page.getByTestId('wallet-balance').innerText()}`)
    return { page, wallet }
  }
  const hosts = []
  for (const name of ['host 1', 'host 2', 'host 3']) {
    const h = await open(name)
    await h.page.getByRole('tab', { name: 'Hosting' }).click()
    await h.page.getByLabel('XLM per GiB-month (0: free)').fill('0.5')
    await h.page.getByRole('button', { name: "Use my wallet's" }).click()
    await h.page.getByRole('button', { name: 'Save price' }).click()
    await h.page.getByTestId('hosting-earnings').waitFor()
    say(`${name}: hosts for 0.5 XLM per GiB-month`)
    hosts.push(h)
  }
  const owner = await open('owner')
  await owner.page.getByRole('tab', { name: 'Files' }).click()
  await owner.page.getByTestId('network-summary').filter({ hasText: 'Online' }).waitFor({ timeout: 30_000 })
  await owner.page.waitForTimeout(5000) // the hosts announce themselves in the DHT
  await owner.page
    .locator('input[type=file]')
    .first()
    .setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: randomBytes(2_500_000) })
  const prompt = owner.page.getByTestId('upload-payment')
  await prompt.waitFor({ timeout: 90_000 })
  say(`owner: backing up report.pdf (2.4 MiB). The row says: ${(await prompt.locator('p').first().innerText()).replace(/\s+/g, ' ')}`)
  await shot(owner.page, '1-payment-prompt')
  await prompt.getByRole('button', { name: 'Pay with wallet' }).click()
  await owner.page
    .getByTestId('upload-stage')
    .filter({ hasText: /Done|Backed up/ })
    .waitFor({ timeout: 180_000 })
  say(`owner: ${await owner.page.getByTestId('upload-stage').innerText()} — signed ${owner.wallet.signed.length} transaction(s) in the wallet`)
  await shot(owner.page, '2-files')
  await owner.page.getByRole('tab', { name: 'Wallet' }).click()
  await owner.page.getByTestId('escrow').first().waitFor({ timeout: 30_000 })
  for (const e of await owner.page.getByTestId('escrow').all()) say(`owner's escrow: ${(await e.innerText()).replace(/\s+/g, ' ')}`)
  await owner.page.getByRole('button', { name: 'Refresh balance' }).click()
  await owner.page.waitForTimeout(1000)
  say(`owner: balance now ${await owner.page.getByTestId('wallet-balance').innerText()} (reserves come back when the escrows end)`)
  await shot(owner.page, '3-wallet')
  for (const [i, h] of hosts.entries()) {
    await h.page
      .getByTestId('hosting-earnings')
      .filter({ hasText: /from 1 claim/ })
      .waitFor({ timeout: 30_000 })
    say(`host ${i + 1}: ${(await h.page.getByTestId('hosting-earnings').innerText()).replace(/\s+/g, ' ')}`)
  }
  await shot(hosts[0]!.page, '4-host-earned')
  say(`screenshots in ${shots}/`)
} finally {
  await browser.close()
}
