/**
 * Builds the service worker (src/pwa/sw.ts) into /sw.js with this build's app shell: every file
 * the bundle emits (source maps aside), the public/ files and index.html, and a version hashed
 * from them, so that a new build is a new cache (sw.ts says how the versions replace each other).
 * The worker is compiled on its own (TypeScript, no bundling: it imports nothing) and stays a
 * classic script, which every browser with service workers runs.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import ts from 'typescript'
import type { Plugin } from 'vite'

export const SERVICE_WORKER_FILE = 'sw.js'

function publicFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else out.push(`/${relative(dir, path).split(sep).join('/')}`)
    }
  }
  walk(dir)
  return out
}

export function layrServiceWorker(options: { readonly source: string; readonly publicDir: string }): Plugin {
  return {
    name: 'layr-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle)
        .filter((name) => !name.endsWith('.map') && name !== SERVICE_WORKER_FILE)
        .map((name) => `/${name}`)
      if (!built.includes('/index.html')) this.error('the app shell has no index.html: the service worker would have nothing to open offline')
      const files = [...new Set([...built, ...publicFiles(options.publicDir)])].sort()
      const hash = createHash('sha256')
      for (const name of files) {
        const item = bundle[name.slice(1)]
        hash.update(name).update('\0')
        // Hashed assets change name when they change; index.html and public files do not.
        if (item?.type === 'asset') hash.update(typeof item.source === 'string' ? item.source : Buffer.from(item.source))
        else if (!item) hash.update(readFileSync(join(options.publicDir, name.slice(1))))
        hash.update('\0')
      }
      const source = readFileSync(options.source, 'utf8')
      hash.update(source)
      const version = hash.digest('hex').slice(0, 16)
      const { outputText, diagnostics } = ts.transpileModule(source, {
        fileName: options.source,
        reportDiagnostics: true,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
      })
      if (diagnostics?.length) this.error(`src/pwa/sw.ts: ${ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, '\n')}`)
      // `export {}` only makes sw.ts a module for the type checker; a classic worker cannot have it.
      const body = outputText.replace(/^export \{\};?\s*$/m, '')
      this.emitFile({
        type: 'asset',
        fileName: SERVICE_WORKER_FILE,
        source: `const LAYR_SHELL = ${JSON.stringify({ version, files })};\n${body}`,
      })
    },
  }
}
