/**
 * A passphrase being chosen: the two fields of the forms that set one (the first run's optional
 * "protect it in this browser", and Settings). The check that they agree is forms.ts's.
 */
import { choosePassphrase } from './forms.ts'

export class PassphraseDraft {
  /** For the optional forms: the person asked for a passphrase. */
  wanted = $state(false)
  passphrase = $state('')
  repeat = $state('')

  /** The passphrase to use: undefined when it is optional and not wanted. PassphraseMismatchError. */
  chosen(optional: boolean): string | undefined {
    if (optional && !this.wanted) return undefined
    return choosePassphrase(this.passphrase, this.repeat)
  }

  clear(): void {
    this.wanted = false
    this.passphrase = ''
    this.repeat = ''
  }
}
