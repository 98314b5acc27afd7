/**
 * What the Hosting view says about keeping this host running (issue 14): a browser may freeze or
 * discard a tab that is not in front, but not an installed app's own window or a pinned tab
 * (FINDINGS: discard_eligibility_policy.cc); and what owners are told of this host in STAT.
 */

export interface KeepHostingHint {
  /** How to keep hosting; undefined when nothing needs doing (an installed app). */
  readonly advice?: string
  /** What owners see of this host's reliability (its STAT). */
  readonly owners: string
}

export function keepHostingHint(kind: 'tab' | 'app', persisted: boolean | undefined): KeepHostingHint {
  const storage = persisted === true ? 'persistent storage' : persisted === false ? 'storage that is not persistent' : 'storage not yet known to be persistent'
  return kind === 'app'
    ? { owners: `Owners see an installed app with ${storage}.` }
    : {
        advice:
          'Browsers may put background tabs to sleep or close them. To keep hosting, install Layr as an app (Install in the address bar), or pin this tab.',
        owners: `Owners see a browser tab with ${storage}, and prefer hosts that stay online.`,
      }
}
