export interface HashRequest {
  readonly id: number
  readonly buffers: ArrayBuffer[]
  readonly shareSize: number
}

export type HashResponse =
  | { readonly id: number; readonly ok: true; readonly roots: Uint8Array[]; readonly buffers: ArrayBuffer[] }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly buffers: ArrayBuffer[] }
