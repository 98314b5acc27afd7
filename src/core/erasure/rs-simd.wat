;; Layr's Reed-Solomon kernel: multiply a GF(2^8) coefficient matrix by a block of shares.
;; Source of src/core/erasure/rs-simd.wasm.ts; after editing run `node scripts/build-wasm.mjs`.
;;
;; mul(tab, in, k, out, m, stride, len) computes, for r < m and i < len,
;;   out[r*stride + i] = XOR over c < k of coef(r, c) · in[c*stride + i]
;; Preconditions (the JS side guarantees them): k >= 1, m >= 1, len a positive multiple of 16,
;; the k input and m output rows do not overlap, and all of it is inside memory.
;;
;; Each coefficient comes as 32 bytes at tab + (r*k + c)*32: lo[j] = coef·j and
;; hi[j] = coef·(j << 4) for j < 16. Since multiplication distributes over XOR,
;; coef·x = lo[x & 15] ^ hi[x >> 4], which is two i8x16.swizzle for 16 bytes at a time.
;; Output rows go four at a time (then two, then one) so that every input vector loaded
;; and split into nibbles feeds four products; the first column stores, later ones accumulate.
;; The build also emits a relaxed-SIMD twin (i8x16.relaxed_swizzle, a bare pshufb on x86),
;; which gives the same bytes here because every index is below 16.
(module
  (memory (export "memory") 1)

  (func (export "mul") (param $tab i32) (param $in i32) (param $k i32) (param $out i32)
                       (param $m i32) (param $stride i32) (param $len i32)
    (local $r i32) (local $ts i32)
    (local.set $ts (i32.shl (local.get $k) (i32.const 5)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.lt_u (i32.sub (local.get $m) (local.get $r)) (i32.const 4)))
      (call $rows4
        (i32.add (local.get $tab) (i32.mul (local.get $ts) (local.get $r))) (local.get $in) (local.get $k)
        (i32.add (local.get $out) (i32.mul (local.get $stride) (local.get $r))) (local.get $stride) (local.get $len))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $next4)))
    (block $done2 (loop $next2
      (br_if $done2 (i32.lt_u (i32.sub (local.get $m) (local.get $r)) (i32.const 2)))
      (call $rows2
        (i32.add (local.get $tab) (i32.mul (local.get $ts) (local.get $r))) (local.get $in) (local.get $k)
        (i32.add (local.get $out) (i32.mul (local.get $stride) (local.get $r))) (local.get $stride) (local.get $len))
      (local.set $r (i32.add (local.get $r) (i32.const 2)))
      (br $next2)))
    (block $done1 (loop $next1
      (br_if $done1 (i32.lt_u (i32.sub (local.get $m) (local.get $r)) (i32.const 1)))
      (call $rows1
        (i32.add (local.get $tab) (i32.mul (local.get $ts) (local.get $r))) (local.get $in) (local.get $k)
        (i32.add (local.get $out) (i32.mul (local.get $stride) (local.get $r))) (local.get $stride) (local.get $len))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next1)))
  )

  ;; Output rows r .. r+3: `tab` and `out` already point at row r.
  (func $rows4 (param $tab i32) (param $in i32) (param $k i32) (param $out i32) (param $stride i32) (param $len i32)
    (local $c i32) (local $i i32) (local $p i32) (local $ts i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128) (local $a2 v128) (local $b2 v128) (local $a3 v128) (local $b3 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $ts (i32.shl (local.get $k) (i32.const 5))) ;; table bytes per output row
    (local.set $o1 (i32.add (local.get $out) (local.get $stride)))
    (local.set $o2 (i32.add (local.get $o1) (local.get $stride)))
    (local.set $o3 (i32.add (local.get $o2) (local.get $stride)))
    (loop $cols
      ;; the nibble tables of coef(r+j, c) for this column
      (local.set $p (local.get $tab))
      (local.set $a0 (v128.load offset=0 (local.get $p)))
      (local.set $b0 (v128.load offset=16 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (local.get $ts)))
      (local.set $a1 (v128.load offset=0 (local.get $p)))
      (local.set $b1 (v128.load offset=16 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (local.get $ts)))
      (local.set $a2 (v128.load offset=0 (local.get $p)))
      (local.set $b2 (v128.load offset=16 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (local.get $ts)))
      (local.set $a3 (v128.load offset=0 (local.get $p)))
      (local.set $b3 (v128.load offset=16 (local.get $p)))
      (local.set $i (i32.const 0))
      (if (i32.eqz (local.get $c))
        (then ;; first column: store
          (loop $store
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi))))
            (local.set $p (i32.add (local.get $o1) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a1) (local.get $lo)) (i8x16.swizzle (local.get $b1) (local.get $hi))))
            (local.set $p (i32.add (local.get $o2) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a2) (local.get $lo)) (i8x16.swizzle (local.get $b2) (local.get $hi))))
            (local.set $p (i32.add (local.get $o3) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a3) (local.get $lo)) (i8x16.swizzle (local.get $b3) (local.get $hi))))
            (br_if $store (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len)))))
        (else ;; later columns: accumulate
          (loop $accumulate
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi)))))
            (local.set $p (i32.add (local.get $o1) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a1) (local.get $lo)) (i8x16.swizzle (local.get $b1) (local.get $hi)))))
            (local.set $p (i32.add (local.get $o2) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a2) (local.get $lo)) (i8x16.swizzle (local.get $b2) (local.get $hi)))))
            (local.set $p (i32.add (local.get $o3) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a3) (local.get $lo)) (i8x16.swizzle (local.get $b3) (local.get $hi)))))
            (br_if $accumulate (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len))))))
      (local.set $tab (i32.add (local.get $tab) (i32.const 32)))
      (local.set $in (i32.add (local.get $in) (local.get $stride)))
      (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $k)))))

  ;; Output rows r .. r+1: `tab` and `out` already point at row r.
  (func $rows2 (param $tab i32) (param $in i32) (param $k i32) (param $out i32) (param $stride i32) (param $len i32)
    (local $c i32) (local $i i32) (local $p i32) (local $ts i32) (local $o1 i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $b0 v128) (local $a1 v128) (local $b1 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $ts (i32.shl (local.get $k) (i32.const 5))) ;; table bytes per output row
    (local.set $o1 (i32.add (local.get $out) (local.get $stride)))
    (loop $cols
      ;; the nibble tables of coef(r+j, c) for this column
      (local.set $p (local.get $tab))
      (local.set $a0 (v128.load offset=0 (local.get $p)))
      (local.set $b0 (v128.load offset=16 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (local.get $ts)))
      (local.set $a1 (v128.load offset=0 (local.get $p)))
      (local.set $b1 (v128.load offset=16 (local.get $p)))
      (local.set $i (i32.const 0))
      (if (i32.eqz (local.get $c))
        (then ;; first column: store
          (loop $store
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi))))
            (local.set $p (i32.add (local.get $o1) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a1) (local.get $lo)) (i8x16.swizzle (local.get $b1) (local.get $hi))))
            (br_if $store (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len)))))
        (else ;; later columns: accumulate
          (loop $accumulate
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi)))))
            (local.set $p (i32.add (local.get $o1) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a1) (local.get $lo)) (i8x16.swizzle (local.get $b1) (local.get $hi)))))
            (br_if $accumulate (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len))))))
      (local.set $tab (i32.add (local.get $tab) (i32.const 32)))
      (local.set $in (i32.add (local.get $in) (local.get $stride)))
      (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $k)))))

  ;; Output row r alone: `tab` and `out` already point at row r.
  (func $rows1 (param $tab i32) (param $in i32) (param $k i32) (param $out i32) (param $stride i32) (param $len i32)
    (local $c i32) (local $i i32) (local $p i32) (local $ts i32)
    (local $mask v128) (local $x v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $b0 v128)
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $ts (i32.shl (local.get $k) (i32.const 5))) ;; table bytes per output row

    (loop $cols
      ;; the nibble tables of coef(r+j, c) for this column
      (local.set $p (local.get $tab))
      (local.set $a0 (v128.load offset=0 (local.get $p)))
      (local.set $b0 (v128.load offset=16 (local.get $p)))
      (local.set $i (i32.const 0))
      (if (i32.eqz (local.get $c))
        (then ;; first column: store
          (loop $store
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi))))
            (br_if $store (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len)))))
        (else ;; later columns: accumulate
          (loop $accumulate
            (local.set $x (v128.load (i32.add (local.get $in) (local.get $i))))
            (local.set $lo (v128.and (local.get $x) (local.get $mask)))
            (local.set $hi (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $mask)))
            (local.set $p (i32.add (local.get $out) (local.get $i)))
            (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (v128.xor (i8x16.swizzle (local.get $a0) (local.get $lo)) (i8x16.swizzle (local.get $b0) (local.get $hi)))))
            (br_if $accumulate (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $len))))))
      (local.set $tab (i32.add (local.get $tab) (i32.const 32)))
      (local.set $in (i32.add (local.get $in) (local.get $stride)))
      (br_if $cols (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $k)))))
)
