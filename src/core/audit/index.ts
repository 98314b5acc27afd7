/**
 * Storage proofs. The owner keeps nothing but each share's Merkle root (in the manifest), so
 * audits are unlimited: each sends a fresh random nonce, both sides draw the same leaf indices
 * from it, and the host answers with those leaves and their Merkle paths, which the owner checks
 * against the root. A host that kept a part f of a share passes with probability at most f^c for
 * c asked leaves (detection.ts gives the exact figure), and a host that kept only the tree (or any
 * hash of the share) cannot answer at all. The original Layr's audit was a hash of the shard,
 * which a host could keep instead of the data.
 *
 * An audit asks for a sixteenth of a share's leaves (at least one), so it moves at most a
 * sixteenth of a share's bytes for every share of 16 leaves or more, and a host that kept half of
 * a 1 MiB share passes each audit with probability 1/2: caught with 1 − 2⁻²⁰ within 20 audits.
 *
 * reputation.ts keeps, per host, forgetting Beta scores of audits and of being online.
 */
export { AUDIT_FRACTION, MAX_AUDIT_LEAVES, NONCE_SIZE, answerAudit, auditIndices, checkAudit, leavesPerAudit, type AuditAnswer } from './challenge.ts'
export { TARGET_MISS, auditsToCatch, missChance, passChance } from './detection.ts'
export {
  DISQUALIFY_BELOW,
  NEW_HOST,
  NEW_HOST_ALPHA,
  REPUTATION_LAMBDA,
  hostPreference,
  isDisqualified,
  recordAudit,
  recordOnline,
  scoreOf,
  updateBeta,
  type BetaScore,
  type HostReputation,
} from './reputation.ts'
