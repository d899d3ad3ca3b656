// specs/mkor.md T1, T2, T4, T5, T6 (the spec computes in fp64; factors here are
// float32, so tolerances are ~1e-5).
#include "optim/mkor_factor.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace syncline::optim::mkor {
namespace {

void ExpectMatrixNear(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "entry " << i;
}

// Inverse of a small SPD matrix by Gauss-Jordan, in double.
std::vector<double> Inverse(std::vector<double> a, int d) {
  std::vector<double> inv(d * d, 0.0);
  for (int i = 0; i < d; ++i) inv[i * d + i] = 1.0;
  for (int c = 0; c < d; ++c) {
    const double p = a[c * d + c];
    for (int j = 0; j < d; ++j) {
      a[c * d + j] /= p;
      inv[c * d + j] /= p;
    }
    for (int r = 0; r < d; ++r) {
      if (r == c) continue;
      const double f = a[r * d + c];
      for (int j = 0; j < d; ++j) {
        a[r * d + j] -= f * a[c * d + j];
        inv[r * d + j] -= f * inv[c * d + j];
      }
    }
  }
  return inv;
}

// True when the symmetric matrix is positive definite (Cholesky succeeds).
bool PositiveDefinite(const std::vector<float>& f, int d) {
  std::vector<double> l(d * d, 0.0);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j <= i; ++j) {
      double s = f[i * d + j];
      for (int k = 0; k < j; ++k) s -= l[i * d + k] * l[j * d + k];
      if (i == j) {
        if (s <= 0) return false;
        l[i * d + i] = std::sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return true;
}

TEST(MkorFactorTest, T1TwoByTwoUpdates) {
  const std::vector<float> p = {2.0f, 0.5f, 0.5f, 1.0f};
  const float v[2] = {1.0f, 2.0f};
  std::vector<float> scratch;
  std::vector<float> exact = p;
  ASSERT_TRUE(ExactMomentumUpdate(exact.data(), 2, v, 0.95f, &scratch));
  ExpectMatrixNear(exact, {1.754386, 0.233918, 0.233918, 0.808967}, 2e-6);
  std::vector<float> ref = p;
  ASSERT_TRUE(ReferenceUpdate(ref.data(), 2, v, 0.95f, &scratch));
  ExpectMatrixNear(ref, {0.999718, -0.336017, -0.336017, 0.307839}, 2e-6);
}

TEST(MkorFactorTest, T2ShermanMorrisonFromIdentity) {
  std::vector<float> scratch;
  std::vector<float> f = {1, 0, 0, 1};
  const float e1[2] = {1, 0};
  ASSERT_TRUE(ReferenceUpdate(f.data(), 2, e1, 0.95f, &scratch));  // X = I for F = I
  ExpectMatrixNear(f, {0.5, 0, 0, 1}, 1e-7);
  f = {1, 0, 0, 1};
  const float g[2] = {1, 2};
  ASSERT_TRUE(ReferenceUpdate(f.data(), 2, g, 0.95f, &scratch));
  ExpectMatrixNear(f, {5.0 / 6, -1.0 / 3, -1.0 / 3, 1.0 / 3}, 1e-7);
  f = {1, 0, 0, 1};
  const float a[2] = {0.5f, 1.0f};
  ASSERT_TRUE(ReferenceUpdate(f.data(), 2, a, 0.95f, &scratch));
  ExpectMatrixNear(f, {8.0 / 9, -2.0 / 9, -2.0 / 9, 5.0 / 9}, 1e-7);
}

TEST(MkorFactorTest, T4ReferenceDecaysToIdentity) {
  std::vector<float> f = {3, 1, 1, 2};
  const float zero[2] = {0, 0};
  std::vector<float> scratch;
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(ReferenceUpdate(f.data(), 2, zero, 0.95f, &scratch));
  ExpectMatrixNear({f[0] - 1, f[1], f[2], f[3] - 1}, {1.547562, 0.773781, 0.773781, 0.773781}, 2e-6);
}

TEST(MkorFactorTest, T5ShermanMorrisonIdentityOnRandomSpd) {
  const int d = 8;
  std::mt19937 rng(7);
  std::normal_distribution<double> n01;
  std::vector<double> b(d * d), x(d * d, 0.0);
  for (double& e : b) e = n01(rng);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) {
      for (int k = 0; k < d; ++k) x[i * d + j] += b[i * d + k] * b[j * d + k] / d;
    }
    x[i * d + i] += 0.5;
  }
  std::vector<float> v(d), f(x.begin(), x.end()), scratch;
  for (float& e : v) e = static_cast<float>(n01(rng));
  ASSERT_TRUE(ReferenceUpdate(f.data(), d, v.data(), 1.0f, &scratch));  // gamma 1: plain SM(X, v)
  std::vector<double> want = Inverse(x, d);
  for (int i = 0; i < d; ++i) {
    for (int j = 0; j < d; ++j) want[i * d + j] += static_cast<double>(v[i]) * v[j];
  }
  ExpectMatrixNear(f, Inverse(want, d), 2e-5);
}

TEST(MkorFactorTest, T6StaysPositiveDefinite) {
  const int d = 8;
  for (UpdateVariant variant : {UpdateVariant::kReference, UpdateVariant::kExactMomentum}) {
    std::mt19937 rng(11);
    std::normal_distribution<float> n01;
    std::vector<float> f(d * d), v(d), scratch;
    SetIdentity(f.data(), d);
    for (int it = 0; it < 1000; ++it) {
      for (float& e : v) e = n01(rng);
      Update(variant, f.data(), d, v.data(), 0.95f, &scratch);
      ASSERT_TRUE(PositiveDefinite(f, d)) << "variant " << static_cast<int>(variant) << " iteration " << it << " f00 " << f[0];
    }
  }
}

TEST(MkorFactorTest, SkipsDegenerateDenominator) {
  // Not valid factors, chosen so that the denominator is exactly 0: skipped, F kept.
  // reference, gamma 0.5, F = -3I: X = -I, 1 + v^T X v = 0 for v = e1.
  std::vector<float> f = {-3, 0, 0, -3}, scratch;
  const float e1[2] = {1, 0};
  EXPECT_FALSE(ReferenceUpdate(f.data(), 2, e1, 0.5f, &scratch));
  EXPECT_EQ(f, (std::vector<float>{-3, 0, 0, -3}));
  // exact_momentum, gamma 0.5, F = -I: gamma (gamma + (1 - gamma) s) = 0.5 (0.5 - 0.5) = 0.
  std::vector<float> g = {-1, 0, 0, -1};
  EXPECT_FALSE(ExactMomentumUpdate(g.data(), 2, e1, 0.5f, &scratch));
  EXPECT_EQ(g, (std::vector<float>{-1, 0, 0, -1}));
}

TEST(MkorFactorTest, NormsBlendAndHalfRounding) {
  std::vector<float> f = {1, -3, 0.5f, 2};
  EXPECT_EQ(StabilizerNorm(f.data(), 2, StabNorm::kMaxAbs), 3.0);
  EXPECT_EQ(StabilizerNorm(f.data(), 2, StabNorm::kInfNorm), 4.0);
  BlendToIdentity(f.data(), 2, 0.9f);
  ExpectMatrixNear(f, {1.0, -2.7, 0.45, 1.9}, 1e-6);
  BlendToIdentity(f.data(), 2, 0.0f);
  EXPECT_EQ(f, (std::vector<float>{1, 0, 0, 1}));
  float x[2] = {0.1f, 70000.0f};
  RoundToHalf(x, 2);
  EXPECT_FLOAT_EQ(x[0], 0.0999755859375f);
  EXPECT_TRUE(std::isinf(x[1]));
}

}  // namespace
}  // namespace syncline::optim::mkor
