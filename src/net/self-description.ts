/**
 * How reliable this browser host is, as its STAT says (src/net/share/handlers/stat.ts): whether
 * its storage is persistent (navigator.storage.persisted(): not evicted under storage pressure)
 * and whether it runs as an installed app in its own window, which Chromium does not discard,
 * or as a tab, which it may discard or freeze when hidden.
 */
import type { HostDescription } from './share/host.ts'
import type { HostKind } from '../core/placement/index.ts'

/** The display modes of an installed app's own window (the manifest asks for standalone). */
const APP_DISPLAY_MODES = ['standalone', 'minimal-ui', 'window-controls-overlay'] as const

/** 'app' when the page runs in an installed app's window, else 'tab'. */
export function displayKind(
  win: Pick<Window, 'matchMedia'> | undefined = typeof window === 'undefined' ? undefined : window,
): Extract<HostKind, 'tab' | 'app'> {
  if (!win?.matchMedia) return 'tab'
  return APP_DISPLAY_MODES.some((mode) => win.matchMedia(`(display-mode: ${mode})`).matches) ? 'app' : 'tab'
}

/** This page's description, asked afresh (persistence may be granted, and the app installed, while it hosts). */
export async function browserHostDescription(): Promise<HostDescription> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
  const persistent = storage?.persisted ? await storage.persisted().catch(() => undefined) : undefined
  return { ...(persistent !== undefined ? { persistent } : {}), kind: displayKind() }
}
