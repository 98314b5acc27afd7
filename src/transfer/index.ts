/**
 * The owner's side of the network, as stages written against the PeerNetwork port (so each runs
 * on libp2p in the app and on the in-memory grid in unit tests):
 *
 *   hosts     find peers that answer STAT with room
 *   upload    plan every share's host and spares, then encode and place, following the plan
 *   restore   fetch shares from their holders (looking a holder up again when it moved)
 *   remove    signed deletes at the holders
 *   leases    signed renewals of the owner's leases at the holders
 *   audit     prove each share is held: leaves drawn from a fresh nonce, checked against its root
 *   repair    rebuild lost shares from k verified ones and place them on new hosts
 *   records   publish and sync the owner's signed manifest records
 */
export { findHosts } from './hosts.ts'
export { backupFile, FileChangedError, PlacementError, type BackupOptions, type BackupProgress, type ResumeState, type UploadJournalHooks } from './upload.ts'
export { fetchFromHolders, restoreFile } from './restore.ts'
export { deleteShares, deleteSigned, type DeleteProgress } from './remove.ts'
export { renewLeases, type HostLeases } from './leases.ts'
export { publishRecord, recordPeers, RecordsUnavailableError, syncRecords, type PublishResult, type SyncResult } from './records.ts'
export { eachLimited } from './pool.ts'
export { AUDIT_DEADLINE_MS, auditFile, auditShare, shareChecks, type AuditResult, type FileAudit, type FileAuditProgress } from './audit.ts'
export { applyRepair, repairFile, RepairImpossibleError, type RepairOptions, type RepairProgress, type RepairResult } from './repair.ts'
