;; The inner loop of the Householder tridiagonalisation (src/linalg/householder-tridiagonal.ts) in
;; WebAssembly SIMD, two doubles per instruction. Assembled by `node --import tsx scripts/build-wasm.ts`
;; into rank-two-kernel-wasm.ts; test/linalg/rank-two-kernel.test.ts checks the two agree.
;;
;; fused(n, s, a, v, q, w, p), all offsets in doubles from the start of memory: for the lower
;; triangle of the trailing block (rows and columns s..n-1) of the row-major n x n matrix at a,
;;   A[i][j] -= v[i] q[j] + q[i] v[j]          (the rank-2 update of one Householder step)
;;   p += A w                                  (with the updated A, symmetric: the next step's product)
;; exactly as jsFused in rank-two-kernel.ts does (up to the order of the additions).
(module
  (memory (export "memory") 1)
  (func (export "fused")
    (param $n i32) (param $s i32) (param $a i32) (param $v i32) (param $q i32) (param $w i32) (param $p i32)
    (local $i i32) (local $row i32) (local $rowEnd i32)
    (local $pa i32) (local $pv i32) (local $pq i32) (local $pw i32) (local $pp i32)
    (local $vi f64) (local $qi f64) (local $wi f64) (local $x f64) (local $sum f64)
    (local $vi2 v128) (local $qi2 v128) (local $wi2 v128) (local $acc v128) (local $x2 v128)
    ;; offsets in doubles -> bytes
    (local.set $a (i32.shl (local.get $a) (i32.const 3)))
    (local.set $v (i32.shl (local.get $v) (i32.const 3)))
    (local.set $q (i32.shl (local.get $q) (i32.const 3)))
    (local.set $w (i32.shl (local.get $w) (i32.const 3)))
    (local.set $p (i32.shl (local.get $p) (i32.const 3)))
    (local.set $i (local.get $s))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $n)))
        ;; row i, columns s..i-1 at pa .. rowEnd; the diagonal at rowEnd
        (local.set $row (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 3))))
        (local.set $pa (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 3))))
        (local.set $rowEnd (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
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
        ;; two columns at a time while both are left of the diagonal
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (i32.add (local.get $pa) (i32.const 8)) (local.get $rowEnd)))
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
            (br $pairs)))
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
            (f64.add (local.get $sum) (f64.mul (local.get $x) (local.get $wi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
