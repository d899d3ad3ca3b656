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

// Eigenvalues of the symmetric k x k matrix g (destroyed) by cyclic Jacobi rotations.
static std::vector<double> SymmetricEigenvalues(std::vector<double>& g, int64_t k) {
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t p = 0; p < k; ++p) {
      diag += g[p * k + p] * g[p * k + p];
      for (int64_t q = p + 1; q < k; ++q) off += g[p * k + q] * g[p * k + q];
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t q = p + 1; q < k; ++q) {
        const double apq = g[p * k + q];
        if (apq == 0.0) continue;
        const double theta = (g[q * k + q] - g[p * k + p]) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1.0 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t r = 0; r < k; ++r) {  // columns p, q
          const double gp = g[r * k + p], gq = g[r * k + q];
          g[r * k + p] = c * gp - s * gq;
          g[r * k + q] = s * gp + c * gq;
        }
        for (int64_t r = 0; r < k; ++r) {  // rows p, q
          const double gp = g[p * k + r], gq = g[q * k + r];
          g[p * k + r] = c * gp - s * gq;
          g[q * k + r] = s * gp + c * gq;
        }
      }
    }
  }
  std::vector<double> values(k);
  for (int64_t p = 0; p < k; ++p) values[p] = g[p * k + p];
  return values;
}

std::vector<double> SingularValues(const float* a, int64_t rows, int64_t cols) {
  const bool by_rows = rows <= cols;  // Gram of the smaller side
  const int64_t k = by_rows ? rows : cols;
  std::vector<double> g(k * k, 0.0);
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t q = p; q < k; ++q) {
      double sum = 0.0;
      if (by_rows) {
        for (int64_t j = 0; j < cols; ++j) sum += static_cast<double>(a[p * cols + j]) * a[q * cols + j];
      } else {
        for (int64_t i = 0; i < rows; ++i) sum += static_cast<double>(a[i * cols + p]) * a[i * cols + q];
      }
      g[p * k + q] = g[q * k + p] = sum;
    }
  }
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
