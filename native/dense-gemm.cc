// sfn's native dense-chain matrix products (a Node-API addon, optional): gemm_nn and gemm_tn of
// src/autodiff/dense-chain/dense-kernel.wat, computed in the same order (gemm-body.inc) with wider
// vectors, over the WebAssembly kernel's own memory (an ArrayBuffer and byte offsets into it). Built at
// `npm install` by scripts/build-native.mjs; without it the WebAssembly kernel does all the work.
// Instruction sets are chosen at run time from what the CPU has (tiers()), so a build runs anywhere.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SFN_X86 1
#include <immintrin.h>
#endif

// ---- portable: one float at a time (any CPU) ----------------------------------------------------
namespace portable {
struct V {
  using T = float;
  static constexpr int W = 1, NB = 4, MR = 4;
  static T zero() { return 0.0f; }
  static T load(const float* p, int) { return *p; }
  static void store(float* p, T v, int) { *p = v; }
  static T set1(float x) { return x; }
  static T add(T x, T y) { return x + y; }
  static T mul(T x, T y) { return x * y; }
};
#include "gemm-body.inc"
}  // namespace portable

#ifdef SFN_X86
// ---- SSE2: four floats (every x86-64 CPU) ---------------------------------------------------------
namespace sse {
struct V {
  using T = __m128;
  static constexpr int W = 4, NB = 2, MR = 6;
  static T zero() { return _mm_setzero_ps(); }
  static T load(const float* p, int lanes) {
    if (lanes == W) return _mm_loadu_ps(p);
    float t[4] = {0, 0, 0, 0};
    std::memcpy(t, p, lanes * sizeof(float));
    return _mm_loadu_ps(t);
  }
  static void store(float* p, T v, int lanes) {
    if (lanes == W) return _mm_storeu_ps(p, v);
    float t[4];
    _mm_storeu_ps(t, v);
    std::memcpy(p, t, lanes * sizeof(float));
  }
  static T set1(float x) { return _mm_set1_ps(x); }
  static T add(T x, T y) { return _mm_add_ps(x, y); }
  static T mul(T x, T y) { return _mm_mul_ps(x, y); }
};
#include "gemm-body.inc"
}  // namespace sse

// Code between SFN_TARGET_BEGIN("isa") and SFN_TARGET_END may use that instruction set: it runs only
// where tierSupported() found it, so the rest of the addon needs nothing beyond x86-64's SSE2.
#define SFN_PRAGMA(x) _Pragma(#x)
#ifdef __clang__
#define SFN_TARGET_BEGIN(isa) SFN_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define SFN_TARGET_END SFN_PRAGMA(clang attribute pop)
#else
#define SFN_TARGET_BEGIN(isa) SFN_PRAGMA(GCC push_options) SFN_PRAGMA(GCC target(isa))
#define SFN_TARGET_END SFN_PRAGMA(GCC pop_options)
#endif

// ---- AVX2: eight floats --------------------------------------------------------------------------
SFN_TARGET_BEGIN("avx2")
namespace avx2 {
struct V {
  using T = __m256;
  static constexpr int W = 8, NB = 2, MR = 6;
  static __m256i mask(int lanes) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p, int lanes) { return lanes == W ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask(lanes)); }
  static void store(float* p, T v, int lanes) {
    if (lanes == W) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, mask(lanes), v);
  }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T add(T x, T y) { return _mm256_add_ps(x, y); }
  static T mul(T x, T y) { return _mm256_mul_ps(x, y); }
};
#include "gemm-body.inc"
}  // namespace avx2
SFN_TARGET_END

// ---- AVX-512: sixteen floats ---------------------------------------------------------------------
SFN_TARGET_BEGIN("avx512f")
namespace avx512 {
struct V {
  using T = __m512;
  static constexpr int W = 16, NB = 4, MR = 4;
  static __mmask16 mask(int lanes) { return lanes == W ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1); }
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p, int lanes) { return _mm512_maskz_loadu_ps(mask(lanes), p); }
  static void store(float* p, T v, int lanes) { _mm512_mask_storeu_ps(p, mask(lanes), v); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T add(T x, T y) { return _mm512_add_ps(x, y); }
  static T mul(T x, T y) { return _mm512_mul_ps(x, y); }
};
#include "gemm-body.inc"
}  // namespace avx512
SFN_TARGET_END
#endif  // SFN_X86

// ---- tiers -----------------------------------------------------------------------------------------
using GemmFn = void (*)(const float*, ptrdiff_t, ptrdiff_t, const float*, ptrdiff_t, float*, ptrdiff_t, int, int, int,
                        const float*);
struct Tier {
  const char* name;
  GemmFn fn;
};
static const Tier kTiers[] = {
    {"portable", portable::gemm},
#ifdef SFN_X86
    {"sse2", sse::gemm},
    {"avx2", avx2::gemm},
    {"avx512", avx512::gemm},
#endif
};
static constexpr int kTierCount = sizeof(kTiers) / sizeof(kTiers[0]);

// which tiers this CPU runs, asked of the CPU once (the first call; C++ makes that thread-safe), not
// on every product
static bool tierSupported(int t) {
  struct Table {
    bool runs[kTierCount];
    Table() {
      for (int i = 0; i < kTierCount; i++) runs[i] = true;
#ifdef SFN_X86
      __builtin_cpu_init();
      runs[2] = __builtin_cpu_supports("avx2");
      runs[3] = __builtin_cpu_supports("avx512f");
#endif
    }
  };
  static const Table table;
  return t >= 0 && t < kTierCount && table.runs[t];
}

// ---- Node-API ----------------------------------------------------------------------------------------
static napi_value fail(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_SFN_DENSE_NATIVE", message);
  return nullptr;
}

// gemm(tier, transposeA, memory, a, lda, b, ldb, c, ldc, m, k, n, bias): the kernel's gemm_nn
// (transposeA false: A is m x k with row stride lda) or gemm_tn (true: A is k x m, C = A^T B). Offsets
// are bytes into memory, strides count floats, bias is 0 for none. Every matrix is checked to lie
// inside the memory, so a wrong offset throws instead of writing elsewhere.
static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 13)
    return fail(env, "gemm takes 13 arguments");
  int32_t tier;
  bool transposeA;
  if (napi_get_value_int32(env, argv[0], &tier) != napi_ok || !tierSupported(tier))
    return fail(env, "gemm: no such instruction-set tier on this CPU");
  if (napi_get_value_bool(env, argv[1], &transposeA) != napi_ok) return fail(env, "gemm: transposeA must be a boolean");
  void* data;
  size_t bytes;
  if (napi_get_arraybuffer_info(env, argv[2], &data, &bytes) != napi_ok) return fail(env, "gemm: memory must be an ArrayBuffer");
  int64_t v[10];
  for (int i = 0; i < 10; i++)
    if (napi_get_value_int64(env, argv[3 + i], &v[i]) != napi_ok || v[i] < 0) return fail(env, "gemm: offsets, strides and sizes must be integers >= 0");
  const int64_t a = v[0], lda = v[1], b = v[2], ldb = v[3], c = v[4], ldc = v[5], m = v[6], k = v[7], n = v[8], bias = v[9];
  if (m > INT32_MAX || k > INT32_MAX || n > INT32_MAX) return fail(env, "gemm: sizes too large");
  if (m == 0 || n == 0) return nullptr;
  // last byte touched by a rows x cols matrix at offset `at` with row stride `ld` (floats)
  auto inside = [&](int64_t at, int64_t ld, int64_t rows, int64_t cols) {
    if (rows == 0 || cols == 0) return true;
    if (at % 4 != 0 || (rows > 1 && ld < cols)) return false;
    return at + ((rows - 1) * ld + cols) * 4 <= (int64_t)bytes;
  };
  const bool ok = (transposeA ? inside(a, lda, k, m) : inside(a, lda, m, k)) && inside(b, ldb, k, n) && inside(c, ldc, m, n) &&
                  (bias == 0 || inside(bias, n, 1, n));
  if (!ok) return fail(env, "gemm: a matrix lies outside the kernel's memory (wrong offset, stride or size)");
  float* base = static_cast<float*>(data);
  const float* pa = base + a / 4;
  kTiers[tier].fn(pa, transposeA ? 1 : lda, transposeA ? lda : 1, base + b / 4, ldb, base + c / 4, ldc, (int)m, (int)k,
                  (int)n, bias ? base + bias / 4 : nullptr);
  return nullptr;
}

// tiers(): the names of the tiers this CPU runs, index = tier number (unsupported ones are null)
static napi_value Tiers(napi_env env, napi_callback_info) {
  napi_value list;
  napi_create_array_with_length(env, kTierCount, &list);
  for (int t = 0; t < kTierCount; t++) {
    napi_value name;
    if (tierSupported(t)) napi_create_string_utf8(env, kTiers[t].name, NAPI_AUTO_LENGTH, &name);
    else napi_get_null(env, &name);
    napi_set_element(env, list, t, name);
  }
  return list;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "tiers", NAPI_AUTO_LENGTH, Tiers, nullptr, &fn);
  napi_set_named_property(env, exports, "tiers", fn);
  return exports;
}
