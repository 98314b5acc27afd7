import type { SegmentSpec } from '../../core/segment/index.ts'

export type EncodeWorkerRequest =
  | { readonly type: 'open'; readonly session: number; readonly fileKey: Uint8Array; readonly fileId: Uint8Array; readonly k: number; readonly n: number }
  | {
      readonly type: 'segment'
      readonly session: number
      readonly job: number
      readonly spec: SegmentSpec
      /** The segment's plaintext, read by the page (one sequential stream is far faster than slices). */
      readonly plain: ArrayBuffer
      readonly data?: ArrayBuffer
      readonly parity?: ArrayBuffer
    }
  | { readonly type: 'close'; readonly session: number }

export type EncodeWorkerResponse =
  | {
      readonly job: number
      readonly ok: true
      readonly plain: ArrayBuffer
      readonly data: ArrayBuffer
      readonly parity: ArrayBuffer
      readonly roots: Uint8Array[]
    }
  | { readonly job: number; readonly ok: false; readonly plain: ArrayBuffer; readonly name: string; readonly message: string }
