import { LayrError } from '../../core/errors.ts'

/** A peer sent something that is not a valid message of this protocol. */
export class ProtocolError extends LayrError {
  override readonly name = 'ProtocolError'
}
