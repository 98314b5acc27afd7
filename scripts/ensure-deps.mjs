#!/usr/bin/env node
// Installs what is missing, so that `npm start` and `npm test` work on a fresh clone:
// npm packages (when node_modules is absent or older than package-lock.json) and,
// with --browser, Debian's Chromium (apt-get, when we are root). Plain Node, no dependencies.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wantBrowser = process.argv.includes('--browser')

function run(cmd, args, opts = {}) {
  console.log(`> ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
  if (r.status !== 0) {
    console.error(`layr: "${cmd} ${args.join(' ')}" failed (exit ${r.status ?? r.signal}).`)
    process.exit(1)
  }
}

function ensurePackages() {
  const lock = join(root, 'package-lock.json')
  const stamp = join(root, 'node_modules', '.layr-installed')
  const want = existsSync(lock)
    ? createHash('sha256')
        .update(readFileSync(lock))
        .update(readFileSync(join(root, 'package.json')))
        .digest('hex')
    : 'no-lock'
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return
  console.log('layr: installing npm packages…')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  run(npm, existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'])
  writeFileSync(stamp, want)
}

export function chromiumPath() {
  const candidates = [process.env.LAYR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)
  return candidates.find((p) => existsSync(p))
}

function ensureChromium() {
  if (chromiumPath()) return
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot) {
    console.error(
      'layr: Chromium is needed for the browser tests. Install it with `sudo apt-get install chromium`, ' + 'or set LAYR_CHROMIUM to a Chromium binary.',
    )
    process.exit(1)
  }
  console.log("layr: installing Debian's chromium (apt-get)…")
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update', '-qq'], { env })
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env })
  if (!chromiumPath()) {
    console.error('layr: apt-get finished but no chromium binary was found at /usr/bin/chromium.')
    process.exit(1)
  }
}

ensurePackages()
if (wantBrowser) ensureChromium()
