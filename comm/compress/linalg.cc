#include "comm/compress/linalg.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace syncline::comm::compress {

void MatMul(const float* a, const float* b, float* c, int64_t rows, int64_t inner, int64_t cols) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, inner, 1.0f, a, inner, b,
              cols, 0.0f, c, cols);
}

void MatMulTransA(const float* a, const float* b, float* c, int64_t rows, int64_t inner,
                  int64_t cols) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, cols, inner, 1.0f, a, rows, b, cols,
              0.0f, c, cols);
}

void MatMulTransB(const float* a, const float* b, float* c, int64_t rows, int64_t inner,
                  int64_t cols) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, inner, 1.0f, a, inner, b,
              inner, 0.0f, c, cols);
}

void Orthonormalise(float* a, int64_t rows, int64_t cols) {
  for (int64_t j = 0; j < cols; ++j) {
    for (int64_t i = 0; i < j; ++i) {
      float dot = 0.0f;
      for (int64_t k = 0; k < rows; ++k) dot += a[k * cols + i] * a[k * cols + j];
      for (int64_t k = 0; k < rows; ++k) a[k * cols + j] -= dot * a[k * cols + i];
    }
    float norm_sq = 0.0f;
    for (int64_t k = 0; k < rows; ++k) norm_sq += a[k * cols + j] * a[k * cols + j];
    const float norm = std::sqrt(norm_sq);
    if (!(norm > 0.0f) || !std::isfinite(norm)) {
      for (int64_t k = 0; k < rows; ++k) a[k * cols + j] = 0.0f;
      continue;
    }
    const float inv = 1.0f / norm;
    for (int64_t k = 0; k < rows; ++k) a[k * cols + j] *= inv;
  }
}

double FrobeniusNorm(const float* a, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i) sum += static_cast<double>(a[i]) * a[i];
  return std::sqrt(sum);
}

double FrobeniusDistance(const float* a, const float* b, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

// LAPACK (shipped inside OpenBLAS): eigenvalues of a symmetric matrix.
extern "C" void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                       double* w, double* work, const int* lwork, int* info);

// Eigenvalues of the symmetric k x k matrix g (destroyed; its row-major upper
// triangle, i.e. LAPACK's column-major lower one), ascending. LAPACK
// dsyev: the cyclic Jacobi this replaced took tens of seconds at k = 512 on
// rank 0, long enough for the other ranks' settings broadcast to time out.
static std::vector<double> SymmetricEigenvalues(std::vector<double>& g, int64_t k) {
  std::vector<double> values(k, 0.0);
  if (k == 0) return values;
  const int n = static_cast<int>(k);
  int info = 0, lwork = -1;
  double query = 0.0;
  dsyev_("N", "L", &n, g.data(), &n, values.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(lwork);
  dsyev_("N", "L", &n, g.data(), &n, values.data(), work.data(), &lwork, &info);
  if (info != 0) std::fill(values.begin(), values.end(), std::nan(""));  // -> infeasible, keep
  return values;
}

std::vector<double> SingularValues(const float* a, int64_t rows, int64_t cols) {
  const bool by_rows = rows <= cols;  // Gram of the smaller side
  const int64_t k = by_rows ? rows : cols;
  // Gram of the smaller side in double: G = A A^T (k = rows) or A^T A (k = cols).
  std::vector<double> a64(a, a + rows * cols);
  std::vector<double> g(k * k, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, by_rows ? CblasNoTrans : CblasTrans, static_cast<int>(k),
              static_cast<int>(by_rows ? cols : rows), 1.0, a64.data(), static_cast<int>(cols), 0.0,
              g.data(), static_cast<int>(k));
  std::vector<double> values = SymmetricEigenvalues(g, k);
  for (double& v : values) v = std::sqrt(std::max(v, 0.0));
  std::sort(values.begin(), values.end(), std::greater<double>());
  return values;
}

uint16_t FloatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;               // NaN
  if (abs >= 0x477fe000u) return sign | 0x7bffu;              // >= 65504 (and inf): clamp
  if (abs < 0x38800000u) {                                    // half subnormal or zero
    if (abs < 0x33000000u) return sign;                       // < 2^-25 rounds to 0
    const uint32_t exponent = abs >> 23;
    const uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exponent;
    uint32_t h = mantissa >> shift;
    const uint32_t rem = mantissa & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (abs - 0x38000000u) >> 13;
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float HalfToFloat(uint16_t half) {
  const uint32_t sign = (half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
  if (exponent == 0) {
    const float v = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -v : v;
  }
  uint32_t bits;
  if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

}  // namespace syncline::comm::compress
