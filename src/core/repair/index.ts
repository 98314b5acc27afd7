/**
 * Repair decisions, pure. After an audit round every share is verified, failed, or offline since
 * some time. A segment counts its verified shares and those whose host has been away for less
 * than the wait (tabs come back with their data); when that falls below the repair threshold r,
 * its failed shares and those away for longer are rebuilt from k verified ones and placed on new
 * hosts (transfer/repair.ts does the I/O). A segment placed with reduced redundancy (one host
 * holding several of its verified shares, because there were fewer hosts than shares) is spread
 * out again once new hosts appear: the extra shares move to hosts holding none of the segment
 * (spreadShares); with no such host nothing moves, and that is no failure. Health is named as Tahoe-LAFS names it: *checked*
 * means holders answered, *verified* that they passed an audit.
 */
export {
  DEFAULT_LOST_AFTER_MS,
  fileSpread,
  fileVerdict,
  placedSurvives,
  segmentVerdict,
  spreadShares,
  survivableLosses,
  type FileVerdict,
  type SegmentVerdict,
  type ShareCheck,
} from './policy.ts'
