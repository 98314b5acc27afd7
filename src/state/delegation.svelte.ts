/**
 * The Settings card "Repair while this tab is closed": which host holds this vault's repair
 * grant, until when, what the last pickup brought, and the grant and revoke actions
 * (layr/delegation.ts does the work).
 */
import type { Layr } from '../layr/api.ts'
import type { DelegationStatus } from '../layr/delegation.ts'
import { describeError, type Problem } from './errors.ts'

export class DelegationState {
  readonly #layr: Layr
  peer = $state('')
  status = $state.raw<DelegationStatus | undefined>()
  problem = $state.raw<Problem | undefined>()
  notice = $state('')
  busy = $state(false)

  constructor(layr: Layr) {
    this.#layr = layr
    this.#refresh()
  }

  #refresh(): void {
    try {
      this.status = this.#layr.delegation.status()
    } catch {
      this.status = undefined // no vault yet
    }
    if (this.status) this.peer = this.status.peer
  }

  async grant(): Promise<void> {
    this.problem = undefined
    this.notice = ''
    this.busy = true
    try {
      const s = await this.#layr.delegation.grant(this.peer)
      this.notice = `Granted: that host may audit and rebuild the shares of your ${s.files} file(s) until ${new Date(s.expires).toLocaleDateString()}. It cannot read them. This tab renews the grant, and picks up what it repaired, each time it syncs.`
    } catch (err) {
      this.problem = describeError(err)
    }
    this.busy = false
    this.#refresh()
  }

  async revoke(): Promise<void> {
    this.problem = undefined
    this.notice = ''
    this.busy = true
    try {
      await this.#layr.delegation.revoke()
      this.notice =
        'Revoked: the host was asked to forget the grant. A host that kept it anyway could go on storing and renewing your shares until it ends; it still could not read them.'
    } catch (err) {
      this.problem = describeError(err)
    }
    this.busy = false
    this.#refresh()
  }
}
