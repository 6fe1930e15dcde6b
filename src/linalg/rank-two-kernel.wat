;; The inner loop of the Householder tridiagonalisation (src/linalg/householder-tridiagonal.ts) in
;; WebAssembly SIMD, two doubles per instruction. Assembled by `npm run build:wasm` (scripts/build-wasm.ts)
;; into rank-two-kernel-wasm.ts; test/linalg/rank-two-kernel.test.ts checks the two agree.
;;
;; fused(n, s, a, v, q, w, p), all offsets in doubles from the start of memory: for the lower
;; triangle of the trailing block (rows and columns s..n-1) of the row-major n x n matrix at a,
;;   A[i][j] -= v[i] q[j] + q[i] v[j]          (the rank-2 update of one Householder step)
;;   p += A w                                  (with the updated A, symmetric: the next step's product)
;; exactly as jsKernel().fused in rank-two-kernel.ts does (up to the order of the additions).
;; Rows go in pairs, so that each load of q, v, w and p serves two rows.
(module
  (memory (export "memory") 1)

  (func (export "fused")
    (param $n i32) (param $s i32) (param $a i32) (param $v i32) (param $q i32) (param $w i32) (param $p i32)
    (local $i i32)
    ;; offsets in doubles -> bytes
    (local.set $a (i32.shl (local.get $a) (i32.const 3)))
    (local.set $v (i32.shl (local.get $v) (i32.const 3)))
    (local.set $q (i32.shl (local.get $q) (i32.const 3)))
    (local.set $w (i32.shl (local.get $w) (i32.const 3)))
    (local.set $p (i32.shl (local.get $p) (i32.const 3)))
    (local.set $i (local.get $s))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
        (call $rowPair (local.get $n) (local.get $s) (local.get $i)
          (local.get $a) (local.get $v) (local.get $q) (local.get $w) (local.get $p))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_s (local.get $i) (local.get $n))
      (then
        (call $row (local.get $n) (local.get $s) (local.get $i)
          (local.get $a) (local.get $v) (local.get $q) (local.get $w) (local.get $p)))))

  ;; row i alone (byte offsets a, v, q, w, p)
  (func $row
    (param $n i32) (param $s i32) (param $i i32) (param $a i32) (param $v i32) (param $q i32) (param $w i32) (param $p i32)
    (local $rowEnd i32) (local $pa i32) (local $pv i32) (local $pq i32) (local $pw i32) (local $pp i32)
    (local $vi f64) (local $qi f64) (local $wi f64) (local $x f64) (local $sum f64)
    (local $vi2 v128) (local $qi2 v128) (local $wi2 v128) (local $acc v128) (local $x2 v128)
    ;; columns s..i-1 at pa .. rowEnd; the diagonal at rowEnd
    (local.set $rowEnd (i32.add (local.get $a)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $i)) (i32.const 3))))
    (local.set $pa (i32.add (local.get $a)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $s)) (i32.const 3))))
    (local.set $pv (i32.add (local.get $v) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pq (i32.add (local.get $q) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pp (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $vi (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $qi (f64.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $vi2 (f64x2.splat (local.get $vi)))
    (local.set $qi2 (f64x2.splat (local.get $qi)))
    (local.set $wi2 (f64x2.splat (local.get $wi)))
    (local.set $acc (f64x2.splat (f64.const 0)))
    (block $twoDone
      (loop $two
        (br_if $twoDone (i32.ge_u (i32.add (local.get $pa) (i32.const 8)) (local.get $rowEnd)))
        (local.set $x2
          (f64x2.sub (v128.load (local.get $pa))
            (f64x2.add
              (f64x2.mul (local.get $vi2) (v128.load (local.get $pq)))
              (f64x2.mul (local.get $qi2) (v128.load (local.get $pv))))))
        (v128.store (local.get $pa) (local.get $x2))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $x2) (v128.load (local.get $pw)))))
        (v128.store (local.get $pp)
          (f64x2.add (v128.load (local.get $pp)) (f64x2.mul (local.get $x2) (local.get $wi2))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
        (local.set $pv (i32.add (local.get $pv) (i32.const 16)))
        (local.set $pq (i32.add (local.get $pq) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
        (br $two)))
    (local.set $sum
      (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    ;; at most one column left of the diagonal
    (if (i32.lt_u (local.get $pa) (local.get $rowEnd))
      (then
        (local.set $x
          (f64.sub (f64.load (local.get $pa))
            (f64.add
              (f64.mul (local.get $vi) (f64.load (local.get $pq)))
              (f64.mul (local.get $qi) (f64.load (local.get $pv))))))
        (f64.store (local.get $pa) (local.get $x))
        (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $x) (f64.load (local.get $pw)))))
        (f64.store (local.get $pp)
          (f64.add (f64.load (local.get $pp)) (f64.mul (local.get $x) (local.get $wi))))
        (local.set $pp (i32.add (local.get $pp) (i32.const 8)))))
    ;; the diagonal; pp now points at p[i]
    (local.set $x
      (f64.sub (f64.load (local.get $rowEnd))
        (f64.mul (f64.const 2) (f64.mul (local.get $vi) (local.get $qi)))))
    (f64.store (local.get $rowEnd) (local.get $x))
    (f64.store (local.get $pp)
      (f64.add (f64.load (local.get $pp))
        (f64.add (local.get $sum) (f64.mul (local.get $x) (local.get $wi))))))

  ;; rows i and i+1 together: columns s..i-1 shared, then row i+1's column i, then both diagonals
  (func $rowPair
    (param $n i32) (param $s i32) (param $i i32) (param $a i32) (param $v i32) (param $q i32) (param $w i32) (param $p i32)
    (local $end0 i32) (local $pa0 i32) (local $pa1 i32) (local $pv i32) (local $pq i32) (local $pw i32) (local $pp i32)
    (local $vi f64) (local $qi f64) (local $wi f64) (local $vj f64) (local $qj f64) (local $wj f64)
    (local $x f64) (local $y f64) (local $sum0 f64) (local $sum1 f64)
    (local $vi2 v128) (local $qi2 v128) (local $wi2 v128) (local $vk2 v128) (local $qk2 v128) (local $wk2 v128)
    (local $q2 v128) (local $v2 v128) (local $w2 v128)
    (local $acc0 v128) (local $acc1 v128) (local $x0 v128) (local $x1 v128)
    ;; row i's columns s..i-1 at pa0 .. end0 (its diagonal at end0); row i+1's start at pa1
    (local.set $end0 (i32.add (local.get $a)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $i)) (i32.const 3))))
    (local.set $pa0 (i32.add (local.get $a)
      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $s)) (i32.const 3))))
    (local.set $pa1 (i32.add (local.get $pa0) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $pv (i32.add (local.get $v) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pq (i32.add (local.get $q) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pw (i32.add (local.get $w) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $pp (i32.add (local.get $p) (i32.shl (local.get $s) (i32.const 3))))
    ;; vi, qi, wi: row i; vj, qj, wj: row i+1
    (local.set $vi (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $qi (f64.load (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $vj (f64.load offset=8 (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $qj (f64.load offset=8 (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $wj (f64.load offset=8 (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
    (local.set $vi2 (f64x2.splat (local.get $vi)))
    (local.set $qi2 (f64x2.splat (local.get $qi)))
    (local.set $wi2 (f64x2.splat (local.get $wi)))
    (local.set $vk2 (f64x2.splat (local.get $vj)))
    (local.set $qk2 (f64x2.splat (local.get $qj)))
    (local.set $wk2 (f64x2.splat (local.get $wj)))
    (local.set $acc0 (f64x2.splat (f64.const 0)))
    (local.set $acc1 (f64x2.splat (f64.const 0)))
    (block $twoDone
      (loop $two
        (br_if $twoDone (i32.ge_u (i32.add (local.get $pa0) (i32.const 8)) (local.get $end0)))
        (local.set $q2 (v128.load (local.get $pq)))
        (local.set $v2 (v128.load (local.get $pv)))
        (local.set $w2 (v128.load (local.get $pw)))
        (local.set $x0
          (f64x2.sub (v128.load (local.get $pa0))
            (f64x2.add (f64x2.mul (local.get $vi2) (local.get $q2)) (f64x2.mul (local.get $qi2) (local.get $v2)))))
        (local.set $x1
          (f64x2.sub (v128.load (local.get $pa1))
            (f64x2.add (f64x2.mul (local.get $vk2) (local.get $q2)) (f64x2.mul (local.get $qk2) (local.get $v2)))))
        (v128.store (local.get $pa0) (local.get $x0))
        (v128.store (local.get $pa1) (local.get $x1))
        (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $x0) (local.get $w2))))
        (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $x1) (local.get $w2))))
        (v128.store (local.get $pp)
          (f64x2.add (v128.load (local.get $pp))
            (f64x2.add (f64x2.mul (local.get $x0) (local.get $wi2)) (f64x2.mul (local.get $x1) (local.get $wk2)))))
        (local.set $pa0 (i32.add (local.get $pa0) (i32.const 16)))
        (local.set $pa1 (i32.add (local.get $pa1) (i32.const 16)))
        (local.set $pv (i32.add (local.get $pv) (i32.const 16)))
        (local.set $pq (i32.add (local.get $pq) (i32.const 16)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 16)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
        (br $two)))
    (local.set $sum0
      (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
    (local.set $sum1
      (f64.add (f64x2.extract_lane 0 (local.get $acc1)) (f64x2.extract_lane 1 (local.get $acc1))))
    ;; at most one shared column left
    (if (i32.lt_u (local.get $pa0) (local.get $end0))
      (then
        (local.set $x
          (f64.sub (f64.load (local.get $pa0))
            (f64.add (f64.mul (local.get $vi) (f64.load (local.get $pq))) (f64.mul (local.get $qi) (f64.load (local.get $pv))))))
        (local.set $y
          (f64.sub (f64.load (local.get $pa1))
            (f64.add (f64.mul (local.get $vj) (f64.load (local.get $pq))) (f64.mul (local.get $qj) (f64.load (local.get $pv))))))
        (f64.store (local.get $pa0) (local.get $x))
        (f64.store (local.get $pa1) (local.get $y))
        (local.set $sum0 (f64.add (local.get $sum0) (f64.mul (local.get $x) (f64.load (local.get $pw)))))
        (local.set $sum1 (f64.add (local.get $sum1) (f64.mul (local.get $y) (f64.load (local.get $pw)))))
        (f64.store (local.get $pp)
          (f64.add (f64.load (local.get $pp))
            (f64.add (f64.mul (local.get $x) (local.get $wi)) (f64.mul (local.get $y) (local.get $wj)))))
        (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 8)))))
    ;; pa1 is row i+1's column i, pp is p[i]
    (local.set $y
      (f64.sub (f64.load (local.get $pa1))
        (f64.add (f64.mul (local.get $vj) (local.get $qi)) (f64.mul (local.get $qj) (local.get $vi)))))
    (f64.store (local.get $pa1) (local.get $y))
    (local.set $sum1 (f64.add (local.get $sum1) (f64.mul (local.get $y) (local.get $wi))))
    ;; the diagonals
    (local.set $x
      (f64.sub (f64.load (local.get $end0))
        (f64.mul (f64.const 2) (f64.mul (local.get $vi) (local.get $qi)))))
    (f64.store (local.get $end0) (local.get $x))
    (f64.store (local.get $pp)
      (f64.add (f64.load (local.get $pp))
        (f64.add (f64.add (local.get $sum0) (f64.mul (local.get $x) (local.get $wi))) (f64.mul (local.get $y) (local.get $wj)))))
    (local.set $x
      (f64.sub (f64.load offset=8 (local.get $pa1))
        (f64.mul (f64.const 2) (f64.mul (local.get $vj) (local.get $qj)))))
    (f64.store offset=8 (local.get $pa1) (local.get $x))
    (f64.store offset=8 (local.get $pp)
      (f64.add (f64.load offset=8 (local.get $pp))
        (f64.add (local.get $sum1) (f64.mul (local.get $x) (local.get $wj))))))
)
