import { describe, expect, it } from 'vitest'
import { keepHostingHint } from './keep-hosting.ts'

describe('keepHostingHint', () => {
  it('a tab is told how to keep hosting (install, or pin); an installed app is not', () => {
    expect(keepHostingHint('tab', true).advice).toMatch(/install Layr as an app.*pin this tab/)
    expect(keepHostingHint('app', true).advice).toBeUndefined()
  })

  it.each([
    ['tab', true, /^Owners see a browser tab with persistent storage/],
    ['tab', false, /^Owners see a browser tab with storage that is not persistent/],
    ['tab', undefined, /^Owners see a browser tab with storage not yet known/],
    ['app', true, /^Owners see an installed app with persistent storage\.$/],
    ['app', false, /^Owners see an installed app with storage that is not persistent\.$/],
  ] as const)('what owners see of a %s whose storage is persisted=%s', (kind, persisted, words) => {
    expect(keepHostingHint(kind, persisted).owners).toMatch(words)
  })
})
