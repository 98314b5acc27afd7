/**
 * The pipeline, file → shares and back, as the stages read in order:
 * segment (read one slice of the Blob at a time) → crypto (AES-256-GCM in
 * 256 KiB chunks) → erasure (Reed-Solomon k-of-n) → merkle (a root per share).
 * Both directions are async generators working a segment or two ahead of their
 * consumer, so memory is bounded by a few segments whatever the file size, and
 * both report typed progress events.
 */
export {
  encodeFile,
  encodeAll,
  encodeShares,
  newFileIdentity,
  shareKey,
  type EncodedShare,
  type EncodedSegment,
  type EncodeOptions,
  type FileIdentity,
} from './encode.ts'
export { decodeFile, decodeAll, toReadableStream, type FetchShare, type ShareRef, type DecodeOptions } from './decode.ts'
export type { PipelineProgress, ProgressListener } from './progress.ts'
export { openReader, type BlobLike, type SequentialReader } from './reader.ts'
export {
  inlineEncoder,
  codeSegment,
  segmentRoots,
  allocateBuffers,
  shareViews,
  type SegmentEncoder,
  type SegmentBuffers,
  type EncodedBuffers,
  type EncoderSetup,
  type EncoderFactory,
} from './segment-encoder.ts'
