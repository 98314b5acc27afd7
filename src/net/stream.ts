/**
 * Writing to libp2p streams with backpressure. `Stream.onDrain()` in @libp2p/utils 7.4 keeps the
 * first drain promise forever, so after one drain it resolves at once and a writer that relies
 * on it queues its whole payload in memory. We wait for the next 'drain' event ourselves.
 */
import type { Stream } from '@libp2p/interface'
import { StreamInterruptedError } from './errors.ts'

/** Sends a chunk; when the stream asks for a pause, waits for its next 'drain' (or its close). */
export async function sendWithBackpressure(stream: Stream, chunk: Parameters<Stream['send']>[0], signal?: AbortSignal): Promise<void> {
  if (stream.send(chunk)) return
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => {
      cleanup()
      resolve()
    }
    const onClose = (evt: Event): void => {
      cleanup()
      const error = (evt as Event & { error?: Error }).error
      reject(error ?? new StreamInterruptedError('The stream closed while data was waiting to be sent.'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason)
    }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}
