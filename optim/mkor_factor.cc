#include "optim/mkor_factor.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace syncline::optim::mkor {
namespace {

constexpr double kMinDenominator = 1e-6;

// y = F v (F symmetric, row-major).
void Symv(const float* f, int d, const float* v, float* y) {
  cblas_ssymv(CblasRowMajor, CblasUpper, d, 1.0f, f, d, v, 1, 0.0f, y, 1);
}

// Rank-1 update of the upper triangle, mirrored to the lower one. Keeping F
// exactly symmetric matters: symv reads only the upper triangle, and under
// exact_momentum (F/gamma every update) any asymmetry grows as gamma^-t.
void SymmetricRank1(float* f, int d, float alpha, const float* y) {
  cblas_ssyr(CblasRowMajor, CblasUpper, d, alpha, y, 1, f, d);
  for (int i = 0; i < d; ++i) {
    for (int j = i + 1; j < d; ++j) f[static_cast<int64_t>(j) * d + i] = f[static_cast<int64_t>(i) * d + j];
  }
}

}  // namespace

double Dot(const float* a, const float* b, int d) {
  double s = 0.0;
  for (int i = 0; i < d; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

bool UsableDenominator(double denom) { return std::isfinite(denom) && denom > kMinDenominator; }

bool ReferenceUpdate(float* f, int d, const float* v, float gamma, std::vector<float>* scratch) {
  scratch->resize(d);
  float* y = scratch->data();
  // y = X v = gamma F v + (1 - gamma) v, without forming X, so a skipped update leaves F as is.
  Symv(f, d, v, y);
  for (int i = 0; i < d; ++i) y[i] = gamma * y[i] + (1.0f - gamma) * v[i];
  const double denom = 1.0 + Dot(v, y, d);
  if (!UsableDenominator(denom)) return false;
  const int64_t n = static_cast<int64_t>(d) * d;
  for (int64_t i = 0; i < n; ++i) f[i] *= gamma;
  for (int i = 0; i < d; ++i) f[static_cast<int64_t>(i) * d + i] += 1.0f - gamma;
  // X - y y^T / denom (X symmetric, so v^T X = y^T).
  SymmetricRank1(f, d, static_cast<float>(-1.0 / denom), y);
  return true;
}

bool ExactMomentumUpdate(float* f, int d, const float* v, float gamma, std::vector<float>* scratch) {
  scratch->resize(d);
  float* u = scratch->data();
  Symv(f, d, v, u);
  const double s = Dot(v, u, d);
  const double denom = gamma * (gamma + (1.0 - gamma) * s);
  if (!UsableDenominator(denom)) return false;
  const int64_t n = static_cast<int64_t>(d) * d;
  const float inv_gamma = 1.0f / gamma;
  for (int64_t i = 0; i < n; ++i) f[i] *= inv_gamma;
  SymmetricRank1(f, d, static_cast<float>(-(1.0 - gamma) / denom), u);
  return true;
}

bool Update(UpdateVariant variant, float* f, int d, const float* v, float gamma,
            std::vector<float>* scratch) {
  return variant == UpdateVariant::kReference ? ReferenceUpdate(f, d, v, gamma, scratch)
                                              : ExactMomentumUpdate(f, d, v, gamma, scratch);
}

double StabilizerNorm(const float* f, int d, StabNorm norm) {
  double result = 0.0;
  for (int i = 0; i < d; ++i) {
    const float* row = f + static_cast<int64_t>(i) * d;
    double row_value = 0.0;
    for (int j = 0; j < d; ++j) {
      const double a = std::fabs(row[j]);
      row_value = norm == StabNorm::kMaxAbs ? std::max(row_value, a) : row_value + a;
    }
    result = std::max(result, row_value);
  }
  return result;
}

void BlendToIdentity(float* f, int d, float zeta) {
  const int64_t n = static_cast<int64_t>(d) * d;
  if (zeta == 0.0f) {
    SetIdentity(f, d);
    return;
  }
  for (int64_t i = 0; i < n; ++i) f[i] *= zeta;
  for (int i = 0; i < d; ++i) f[static_cast<int64_t>(i) * d + i] += 1.0f - zeta;
}

void SetIdentity(float* f, int d) {
  std::fill(f, f + static_cast<int64_t>(d) * d, 0.0f);
  for (int i = 0; i < d; ++i) f[static_cast<int64_t>(i) * d + i] = 1.0f;
}

bool AllFinite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

// Round to nearest even on the bits, without a conversion instruction (a
// _Float16 cast is a libgcc call per element on x86-64 without F16C, which made
// this a tenth of an MKOR step on the 512 x 785 factors).
float RoundToHalf(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  const uint32_t sign = bits & 0x80000000u;
  uint32_t mag = bits ^ sign;
  if (mag >= 0x7f800000u) return x;  // inf, nan
  if (mag >= 0x477ff000u) {          // >= 65520: rounds past the largest half (65504)
    mag = 0x7f800000u;
  } else if (mag < 0x38800000u) {  // below 2^-14: half subnormals, multiples of 2^-24
    const float a = std::nearbyint(std::fabs(x) * 0x1p24f) * 0x1p-24f;
    std::memcpy(&mag, &a, sizeof(mag));
  } else {  // normal: keep 10 of the 23 mantissa bits, ties to even
    mag += 0x0fffu + ((mag >> 13) & 1u);
    mag &= ~0x1fffu;
  }
  bits = sign | mag;
  float out;
  std::memcpy(&out, &bits, sizeof(out));
  return out;
}

void RoundToHalf(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = RoundToHalf(x[i]);
}

}  // namespace syncline::optim::mkor
