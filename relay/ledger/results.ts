/**
 * Horizon's result codes as TransactionResult XDR, so that `result_xdr` decodes with stellar-sdk
 * (Horizon.Server.submitTransaction parses it on success) and says the same as `result_codes`.
 */
import { xdr } from '@stellar/stellar-sdk'

export type OpKind = 'createAccount' | 'payment' | 'setOptions' | 'accountMerge' | 'bumpSequence' | 'other'

/** One operation's outcome: Horizon's code, plus the merged balance for a successful merge. */
export interface OpOutcome {
  readonly code: string
  readonly mergedBalance?: bigint
}

function inner(kind: OpKind, outcome: OpOutcome): xdr.OperationResult {
  const { code } = outcome
  if (code === 'op_bad_auth') return xdr.OperationResult.opBadAuth()
  if (code === 'op_no_source_account') return xdr.OperationResult.opNoAccount()
  if (code === 'op_not_supported' || kind === 'other') return xdr.OperationResult.opNotSupported()
  const tr = (): xdr.OperationResultTr => {
    switch (kind) {
      case 'createAccount': {
        const C = xdr.CreateAccountResult
        const map: Record<string, () => xdr.CreateAccountResult> = {
          op_success: () => C.createAccountSuccess(),
          op_malformed: () => C.createAccountMalformed(),
          op_underfunded: () => C.createAccountUnderfunded(),
          op_low_reserve: () => C.createAccountLowReserve(),
          op_already_exists: () => C.createAccountAlreadyExist(),
        }
        return xdr.OperationResultTr.createAccount(pick(map, code)())
      }
      case 'payment': {
        const P = xdr.PaymentResult
        const map: Record<string, () => xdr.PaymentResult> = {
          op_success: () => P.paymentSuccess(),
          op_malformed: () => P.paymentMalformed(),
          op_underfunded: () => P.paymentUnderfunded(),
          op_no_destination: () => P.paymentNoDestination(),
          op_line_full: () => P.paymentLineFull(),
        }
        return xdr.OperationResultTr.payment(pick(map, code)())
      }
      case 'setOptions': {
        const S = xdr.SetOptionsResult
        const map: Record<string, () => xdr.SetOptionsResult> = {
          op_success: () => S.setOptionsSuccess(),
          op_low_reserve: () => S.setOptionsLowReserve(),
          op_too_many_signers: () => S.setOptionsTooManySigners(),
          op_threshold_out_of_range: () => S.setOptionsThresholdOutOfRange(),
          op_bad_signer: () => S.setOptionsBadSigner(),
        }
        return xdr.OperationResultTr.setOptions(pick(map, code)())
      }
      case 'accountMerge': {
        const M = xdr.AccountMergeResult
        const map: Record<string, () => xdr.AccountMergeResult> = {
          op_success: () => M.accountMergeSuccess(outcome.mergedBalance ?? 0n),
          op_malformed: () => M.accountMergeMalformed(),
          op_no_account: () => M.accountMergeNoAccount(),
          op_has_sub_entries: () => M.accountMergeHasSubEntries(),
          op_seq_num_too_far: () => M.accountMergeSeqnumTooFar(),
          op_dest_full: () => M.accountMergeDestFull(),
        }
        return xdr.OperationResultTr.accountMerge(pick(map, code)())
      }
      case 'bumpSequence': {
        const B = xdr.BumpSequenceResult
        const map: Record<string, () => xdr.BumpSequenceResult> = {
          op_success: () => B.bumpSequenceSuccess(),
          op_bad_seq: () => B.bumpSequenceBadSeq(),
        }
        return xdr.OperationResultTr.bumpSequence(pick(map, code)())
      }
    }
  }
  return xdr.OperationResult.opInner(tr())
}

function pick<T>(map: Record<string, T>, code: string): T {
  const found = map[code]
  if (!found) throw new Error(`dev ledger: no XDR result for ${code}`)
  return found
}

const TX_CODES: Record<string, () => xdr.TransactionResultResult> = {
  tx_too_early: () => xdr.TransactionResultResult.txTooEarly(),
  tx_too_late: () => xdr.TransactionResultResult.txTooLate(),
  tx_missing_operation: () => xdr.TransactionResultResult.txMissingOperation(),
  tx_bad_seq: () => xdr.TransactionResultResult.txBadSeq(),
  tx_bad_auth: () => xdr.TransactionResultResult.txBadAuth(),
  tx_insufficient_balance: () => xdr.TransactionResultResult.txInsufficientBalance(),
  tx_no_source_account: () => xdr.TransactionResultResult.txNoAccount(),
  tx_insufficient_fee: () => xdr.TransactionResultResult.txInsufficientFee(),
  tx_bad_auth_extra: () => xdr.TransactionResultResult.txBadAuthExtra(),
  tx_internal_error: () => xdr.TransactionResultResult.txInternalError(),
  tx_not_supported: () => xdr.TransactionResultResult.txNotSupported(),
  tx_bad_minseq_age_or_gap: () => xdr.TransactionResultResult.txBadMinSeqAgeOrGap(),
  tx_malformed: () => xdr.TransactionResultResult.txMalformed(),
}

/** Base64 TransactionResult XDR for a transaction-level code (ops given for tx_success / tx_failed). */
export function resultXdr(txCode: string, feeCharged: bigint, ops: readonly { kind: OpKind; outcome: OpOutcome }[] = []): string {
  let result: xdr.TransactionResultResult
  if (txCode === 'tx_success' || txCode === 'tx_failed') {
    const results = ops.map((o) => inner(o.kind, o.outcome))
    result = txCode === 'tx_success' ? xdr.TransactionResultResult.txSuccess(results) : xdr.TransactionResultResult.txFailed(results)
  } else {
    result = pick(TX_CODES, txCode)()
  }
  return new xdr.TransactionResult({ feeCharged, result, ext: xdr.TransactionResultExt.v0() }).toXdr('base64')
}
