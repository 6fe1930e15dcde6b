;; The arithmetic of the dense-chain engine (dense-chain-engine.ts) in WebAssembly SIMD, four floats per
;; instruction. Assembled by `npm run build:wasm` (scripts/build-wasm.ts) into dense-kernel-wasm.ts;
;; test/autodiff/dense-chain-engine.test.ts checks the two agree and every function against plain loops.
;;
;; Conventions: pointers are byte offsets into the memory (offset 0 is never an array: 0 means "none");
;; strides (ld*) count floats; matrices are row-major; every width n below is a multiple of 4 (the engine
;; pads layer widths with zero units). Sums run over their inner index in increasing order, one product
;; added at a time (f32 multiply, then f32 add), starting from zero or the bias: the order TensorFlow.js's
;; wasm kernels (XNNPACK's gemm, its Sum) use, so the engine reproduces the layers' results.
(module
  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------------------------------------
  ;; C[m x n] = bias (one row, or zero when bias is 0) + A[m x k] B[k x n]
  (func (export "gemm_nn")
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $k i32) (param $n i32) (param $bias i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pc i32) (local $pb i32) (local $pbias i32)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rows4Done
      (loop $rows4
        (br_if $rows4Done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $pbias (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias)))
            ;; 8 columns at a time; a last 12 in one pass (fewer calls on narrow layers), a last 4 alone
            (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 12))
              (then
                (call $nn4x12 (local.get $pa) (local.get $lda) (local.get $pb) (local.get $ldb)
                  (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k) (local.get $pbias))
                (local.set $j (i32.add (local.get $j) (i32.const 12))))
              (else
                (if (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $n))
                  (then
                    (call $nn4x8 (local.get $pa) (local.get $lda) (local.get $pb) (local.get $ldb)
                      (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k) (local.get $pbias))
                    (local.set $j (i32.add (local.get $j) (i32.const 8))))
                  (else
                    (call $nn4x4 (local.get $pa) (local.get $lda) (local.get $pb) (local.get $ldb)
                      (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k) (local.get $pbias))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))))))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $colsDone1
          (loop $cols1
            (br_if $colsDone1 (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $pbias (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias)))
            (call $nn1x4 (local.get $pa) (local.get $pb) (local.get $ldb)
              (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $k) (local.get $pbias))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; 4 rows x 8 columns of C; lda, ldb, ldc in bytes
  (func $nn4x8
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32) (param $bias i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (if (local.get $bias)
      (then
        (local.set $c00 (v128.load (local.get $bias)))
        (local.set $c01 (v128.load offset=16 (local.get $bias)))
        (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
        (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
        (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))))
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; 4 rows x 12 columns of C; the rows of B are read from memory for each row of A (12 accumulators fill the registers)
  (func $nn4x12
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32) (param $bias i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c20 v128) (local $c21 v128) (local $c22 v128) (local $c30 v128) (local $c31 v128) (local $c32 v128)
    (if (local.get $bias)
      (then
        (local.set $c00 (v128.load (local.get $bias)))
        (local.set $c01 (v128.load offset=16 (local.get $bias)))
        (local.set $c02 (v128.load offset=32 (local.get $bias)))
        (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01)) (local.set $c12 (local.get $c02))
        (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01)) (local.set $c22 (local.get $c02))
        (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01)) (local.set $c32 (local.get $c02))))
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c22 (f32x4.add (local.get $c22) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c32 (f32x4.add (local.get $c32) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (v128.store offset=32 (local.get $c) (local.get $c12))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (v128.store offset=32 (local.get $c) (local.get $c22))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31))
    (v128.store offset=32 (local.get $c) (local.get $c32)))

  ;; 4 rows x 4 columns of C
  (func $nn4x4
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32) (param $bias i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $b0 v128)
    (if (local.get $bias)
      (then
        (local.set $c0 (v128.load (local.get $bias)))
        (local.set $c1 (local.get $c0)) (local.set $c2 (local.get $c0)) (local.set $c3 (local.get $c0))))
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load32_splat (local.get $a)) (local.get $b0))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load32_splat (local.get $a1)) (local.get $b0))))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load32_splat (local.get $a2)) (local.get $b0))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load32_splat (local.get $a3)) (local.get $b0))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c0))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c2))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c3)))

  ;; 1 row x 4 columns of C
  (func $nn1x4
    (param $a i32) (param $b i32) (param $ldb i32) (param $c i32) (param $k i32) (param $bias i32)
    (local $end i32) (local $c0 v128)
    (if (local.get $bias) (then (local.set $c0 (v128.load (local.get $bias)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load32_splat (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c0)))

  ;; ---------------------------------------------------------------------------------------------
  ;; C[m x n] = A^T B for A [k x m], B [k x n] (the sum over the k rows); m and n multiples of 4
  (func (export "gemm_tn")
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $pc i32)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $m)))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $j) (local.get $n)))
            (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 12))
              (then
                (call $tn4x12 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))) (local.get $lda)
                  (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
                  (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k))
                (local.set $j (i32.add (local.get $j) (i32.const 12))))
              (else
                (if (i32.le_s (i32.add (local.get $j) (i32.const 8)) (local.get $n))
                  (then
                    (call $tn4x8 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))) (local.get $lda)
                      (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
                      (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k))
                    (local.set $j (i32.add (local.get $j) (i32.const 8))))
                  (else
                    (call $tn4x4 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))) (local.get $lda)
                      (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb)
                      (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $k))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))))))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; rows i..i+3 (columns of A at a), columns j..j+7 (of B at b) of C; strides in bytes
  (func $tn4x8
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32)
    (local $p i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local.set $p (i32.const 0))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_s (local.get $p) (local.get $k)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $a (i32.add (local.get $a) (local.get $lda)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31)))

  ;; rows i..i+3, 12 columns of C = A^T B
  (func $tn4x12
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32)
    (local $p i32) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c20 v128) (local $c21 v128) (local $c22 v128) (local $c30 v128) (local $c31 v128) (local $c32 v128)
    (local.set $p (i32.const 0))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_s (local.get $p) (local.get $k)))
        (local.set $x (v128.load32_splat (local.get $a)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat offset=4 (local.get $a)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat offset=8 (local.get $a)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c22 (f32x4.add (local.get $c22) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $x (v128.load32_splat offset=12 (local.get $a)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (v128.load (local.get $b)))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $b)))))
        (local.set $c32 (f32x4.add (local.get $c32) (f32x4.mul (local.get $x) (v128.load offset=32 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (local.get $lda)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (v128.store offset=32 (local.get $c) (local.get $c12))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c20))
    (v128.store offset=16 (local.get $c) (local.get $c21))
    (v128.store offset=32 (local.get $c) (local.get $c22))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c30))
    (v128.store offset=16 (local.get $c) (local.get $c31))
    (v128.store offset=32 (local.get $c) (local.get $c32)))

  (func $tn4x4
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $k i32)
    (local $p i32) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $b0 v128)
    (local.set $p (i32.const 0))
    (block $done
      (loop $inner
        (br_if $done (i32.ge_s (local.get $p) (local.get $k)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load32_splat (local.get $a)) (local.get $b0))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load32_splat offset=4 (local.get $a)) (local.get $b0))))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load32_splat offset=8 (local.get $a)) (local.get $b0))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load32_splat offset=12 (local.get $a)) (local.get $b0))))
        (local.set $a (i32.add (local.get $a) (local.get $lda)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $inner)))
    (v128.store (local.get $c) (local.get $c0))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c1))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c2))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c3)))

  ;; ---------------------------------------------------------------------------------------------
  ;; dst[j][i] = src[i][j] for i < rows, j < cols
  (func (export "transpose")
    (param $src i32) (param $lds i32) (param $dst i32) (param $ldd i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $ps i32) (local $pd i32)
    (local.set $lds (i32.shl (local.get $lds) (i32.const 2)))
    (local.set $ldd (i32.shl (local.get $ldd) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
        (local.set $ps (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $lds))))
        (local.set $pd (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $colsLoop
            (br_if $colsDone (i32.ge_s (local.get $j) (local.get $cols)))
            (f32.store (local.get $pd) (f32.load (local.get $ps)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
            (local.set $pd (i32.add (local.get $pd) (local.get $ldd)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $colsLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop))))

  ;; dst[i][j] = src[i][j] for i < rows, j < cols (packing into and out of padded layouts)
  (func (export "copy2d")
    (param $src i32) (param $lds i32) (param $dst i32) (param $ldd i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $ps i32) (local $pd i32) (local $end i32)
    (local.set $lds (i32.shl (local.get $lds) (i32.const 2)))
    (local.set $ldd (i32.shl (local.get $ldd) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
        (local.set $ps (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $lds))))
        (local.set $pd (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $ldd))))
        (local.set $end (i32.add (local.get $ps) (i32.shl (local.get $cols) (i32.const 2))))
        (block $fourDone
          (loop $four
            (br_if $fourDone (i32.gt_u (i32.add (local.get $ps) (i32.const 16)) (local.get $end)))
            (v128.store (local.get $pd) (v128.load (local.get $ps)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 16)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
            (br $four)))
        (block $oneDone
          (loop $one
            (br_if $oneDone (i32.ge_u (local.get $ps) (local.get $end)))
            (f32.store (local.get $pd) (f32.load (local.get $ps)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 4)))
            (br $one)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop))))

  ;; out[j] = sum_i a[i][j] over rows i (in order, from zero), j < n
  (func (export "colsum") (param $a i32) (param $lda i32) (param $rows i32) (param $n i32) (param $out i32)
    (local $j i32) (local $p i32) (local $i i32) (local $acc v128)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $colsDone
      (loop $cols
        (br_if $colsDone (i32.ge_s (local.get $j) (local.get $n)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $rowsLoop
            (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $lda)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rowsLoop)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $cols))))

  ;; c[i][j] += v[j] for i < rows, j < n
  (func (export "add_row") (param $c i32) (param $ldc i32) (param $rows i32) (param $n i32) (param $v i32)
    (local $i i32) (local $j i32) (local $p i32)
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
        (local.set $p (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_s (local.get $j) (local.get $n)))
            (v128.store (local.get $p)
              (f32x4.add (v128.load (local.get $p)) (v128.load (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop))))

  ;; ---------------------------------------------------------------------------------------------
  ;; elementwise over n floats (n a multiple of 4); outputs may alias inputs

  ;; out = a * b
  (func (export "mul") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l))))

  ;; out = a + b
  (func (export "add") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (f32x4.add (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l))))

  ;; out = a * b + c * d  (each product rounded, then the sum)
  (func (export "mul_add_mul") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out)
          (f32x4.add
            (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))
            (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $d)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l))))

  ;; activations: kind 0 relu, 1 tanh, 2 sigmoid. y = f(z); with d1 (non-zero pointer) also
  ;; d1 = f'(z) and, for tanh and sigmoid, d2 = f''(z), both from y as the layers compute them:
  ;;   relu: d1 = [z > 0];  tanh: d1 = 1 - y*y, d2 = -2 (y d1);  sigmoid: d1 = y (1 - y), d2 = d1 (1 - 2 y)
  (func (export "activation") (param $kind i32) (param $z i32) (param $y i32) (param $d1 i32) (param $d2 i32) (param $n i32)
    (local $end i32) (local $v v128) (local $f v128) (local $g v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (local.set $v (v128.load (local.get $z)))
        (if (i32.eqz (local.get $kind))
          (then
            (v128.store (local.get $y) (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0)))
            (if (local.get $d1)
              (then
                (v128.store (local.get $d1)
                  (v128.and (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))))))
          (else
            (if (i32.eq (local.get $kind) (i32.const 1))
              (then
                (local.set $f (call $tanh4 (local.get $v)))
                (v128.store (local.get $y) (local.get $f))
                (if (local.get $d1)
                  (then
                    (local.set $g (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $f) (local.get $f))))
                    (v128.store (local.get $d1) (local.get $g))
                    (v128.store (local.get $d2)
                      (f32x4.mul (v128.const f32x4 -2 -2 -2 -2) (f32x4.mul (local.get $f) (local.get $g)))))))
              (else
                (local.set $f (call $sigmoid4 (local.get $v)))
                (v128.store (local.get $y) (local.get $f))
                (if (local.get $d1)
                  (then
                    (local.set $g (f32x4.mul (local.get $f) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $f))))
                    (v128.store (local.get $d1) (local.get $g))
                    (v128.store (local.get $d2)
                      (f32x4.mul (local.get $g)
                        (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (v128.const f32x4 2 2 2 2) (local.get $f)))))))))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (if (local.get $d1) (then (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))))
        (if (local.get $d2) (then (local.set $d2 (i32.add (local.get $d2) (i32.const 16)))))
        (br $l))))

  ;; exp(x), Cephes' expf (Cody-Waite reduction, degree-5 polynomial; about 1 ulp): +inf above
  ;; 88.72, 0 below -87.33 (where float32 results would be subnormal)
  (func $exp4 (param $x v128) (result v128)
    (local $c v128) (local $fx v128) (local $z v128) (local $y v128)
    (local.set $c (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654))
      (v128.const f32x4 88.72283 88.72283 88.72283 88.72283)))
    (local.set $fx (f32x4.floor (f32x4.add (f32x4.mul (local.get $c) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
      (v128.const f32x4 0.5 0.5 0.5 0.5))))
    (local.set $c (f32x4.sub (local.get $c) (f32x4.mul (local.get $fx) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $c (f32x4.sub (local.get $c) (f32x4.mul (local.get $fx) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $z (f32x4.mul (local.get $c) (local.get $c)))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $c)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $c)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $c)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $c)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $c)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (local.get $z)) (local.get $c)) (v128.const f32x4 1 1 1 1)))
    ;; y * 2^fx through the exponent bits (fx in [-126, 128]: scale in two halves to stay finite)
    (local.set $z (i32x4.trunc_sat_f32x4_s (local.get $fx)))
    (local.set $fx (i32x4.shr_s (local.get $z) (i32.const 1)))
    (local.set $z (i32x4.sub (local.get $z) (local.get $fx)))
    (local.set $y (f32x4.mul (local.get $y) (i32x4.shl (i32x4.add (local.get $fx) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
    (local.set $y (f32x4.mul (local.get $y) (i32x4.shl (i32x4.add (local.get $z) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
    (local.set $y (v128.bitselect (v128.const f32x4 inf inf inf inf) (local.get $y)
      (f32x4.gt (local.get $x) (v128.const f32x4 88.72283 88.72283 88.72283 88.72283))))
    (v128.bitselect (v128.const f32x4 0 0 0 0) (local.get $y)
      (f32x4.lt (local.get $x) (v128.const f32x4 -87.33654 -87.33654 -87.33654 -87.33654))))

  ;; tanh(x), Cephes' tanhf: an odd polynomial below |x| = 0.625, 1 - 2 / (exp(2|x|) + 1) above
  (func $tanh4 (param $x v128) (result v128)
    (local $ax v128) (local $s v128) (local $p v128) (local $big v128)
    (local.set $ax (f32x4.abs (local.get $x)))
    (local.set $s (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $s)) (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1)))
    (local.set $p (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $s)) (local.get $x)) (local.get $x)))
    (local.set $big (f32x4.sub (v128.const f32x4 1 1 1 1)
      (f32x4.div (v128.const f32x4 2 2 2 2)
        (f32x4.add (call $exp4 (f32x4.add (local.get $ax) (local.get $ax))) (v128.const f32x4 1 1 1 1)))))
    ;; the sign of x on the large branch
    (local.set $big (v128.or (local.get $big) (v128.and (local.get $x) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (v128.bitselect (local.get $big) (local.get $p) (f32x4.gt (local.get $ax) (v128.const f32x4 0.625 0.625 0.625 0.625))))

  ;; 1 / (1 + exp(-x))
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $x))))))
)
