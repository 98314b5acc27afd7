/** Typed progress events of the pipeline; the UI state classes consume these. */
export type PipelineProgress =
  | { readonly type: 'encode:start'; readonly bytesTotal: number; readonly segments: number }
  | { readonly type: 'encode:segment'; readonly segmentIndex: number; readonly bytesDone: number; readonly bytesTotal: number }
  | { readonly type: 'encode:done'; readonly bytesTotal: number }
  | { readonly type: 'decode:start'; readonly bytesTotal: number; readonly segments: number }
  | {
      readonly type: 'decode:share-rejected'
      readonly segmentIndex: number
      readonly shareIndex: number
      readonly reason: 'missing' | 'corrupt' | 'unreachable'
      readonly detail?: string
    }
  | { readonly type: 'decode:segment'; readonly segmentIndex: number; readonly bytesDone: number; readonly bytesTotal: number }
  | { readonly type: 'decode:done'; readonly bytesTotal: number }

export type ProgressListener<E = PipelineProgress> = (event: E) => void
