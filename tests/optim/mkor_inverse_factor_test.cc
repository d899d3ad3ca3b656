// InverseFactor: the low-rank form (factor_form auto) against the dense
// updates of mkor_factor.cc, which carry the spec's known answers (T1-T6).
#include "optim/mkor_inverse_factor.h"

#include <cmath>
#include <cstring>
#include <random>

#include "gtest/gtest.h"

namespace syncline::optim::mkor {
namespace {

std::vector<float> RandomVector(int d, std::mt19937* rng, float scale) {
  std::normal_distribution<float> n01;
  std::vector<float> v(d);
  for (float& x : v) x = scale * n01(*rng);
  return v;
}

void ExpectAllNear(const std::vector<float>& got, const std::vector<float>& want, double tol,
                   const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(double(got[i]) - want[i]));
  EXPECT_LE(worst, tol) << what;
}

// Runs the same updates on an auto and a dense float32 factor and compares
// F, F X and X F after each one.
void CompareWithDense(UpdateVariant variant, int d, int updates) {
  InverseFactor low(d, FactorForm::kAuto, false), dense(d, FactorForm::kDense, false);
  std::mt19937 rng(7);
  const int cols = 5;
  std::vector<float> x = RandomVector(d * cols, &rng, 1.0f), out_low(d * cols), out_dense(d * cols);
  std::vector<float> scratch;
  for (int k = 1; k <= updates; ++k) {
    const std::vector<float> v = RandomVector(d, &rng, 0.5f);
    ASSERT_TRUE(low.Update(variant, v.data(), 0.95f));
    ASSERT_TRUE(dense.Update(variant, v.data(), 0.95f));
    const std::string at = "after update " + std::to_string(k);
    // Terms are added one per update until d/2, then the factor is dense.
    EXPECT_EQ(low.dense(), 2 * k >= d) << at;
    EXPECT_EQ(low.rank(), low.dense() ? 0 : k) << at;
    ExpectAllNear(low.ToDense(), dense.ToDense(), 2e-6, at);
    low.MultiplyLeft(x.data(), cols, out_low.data(), &scratch);
    dense.MultiplyLeft(x.data(), cols, out_dense.data(), &scratch);
    ExpectAllNear(out_low, out_dense, 1e-5, "left " + at);
    low.MultiplyRight(x.data(), cols, out_low.data(), &scratch);  // x read as cols x d
    dense.MultiplyRight(x.data(), cols, out_dense.data(), &scratch);
    ExpectAllNear(out_low, out_dense, 1e-5, "right " + at);
    for (StabNorm n : {StabNorm::kMaxAbs, StabNorm::kInfNorm}) {
      EXPECT_NEAR(low.StabilizerNorm(n), dense.StabilizerNorm(n), 1e-5) << at;
    }
  }
}

TEST(InverseFactorTest, ReferenceUpdatesMatchDense) { CompareWithDense(UpdateVariant::kReference, 24, 14); }

TEST(InverseFactorTest, ExactMomentumUpdatesMatchDense) {
  CompareWithDense(UpdateVariant::kExactMomentum, 24, 14);
}

TEST(InverseFactorTest, T2FromIdentityInLowRankForm) {
  InverseFactor f(4, FactorForm::kAuto, false);
  const float v[4] = {1, 2, 0, 0};
  ASSERT_TRUE(f.Update(UpdateVariant::kReference, v, 0.95f));
  ASSERT_FALSE(f.dense());
  // SM(I, v) = I - v v^T / (1 + |v|^2) = I - v v^T / 6.
  const std::vector<float> got = f.ToDense();
  EXPECT_NEAR(got[0], 5.0 / 6, 1e-7);
  EXPECT_NEAR(got[1], -1.0 / 3, 1e-7);
  EXPECT_NEAR(got[5], 1.0 / 3, 1e-7);
  EXPECT_EQ(got[10], 1.0f);
}

TEST(InverseFactorTest, BlendResetAndDegenerateDenominator) {
  InverseFactor low(16, FactorForm::kAuto, false), dense(16, FactorForm::kDense, false);
  std::mt19937 rng(3);
  for (int k = 0; k < 3; ++k) {
    const std::vector<float> v = RandomVector(16, &rng, 1.0f);
    low.Update(UpdateVariant::kReference, v.data(), 0.9f);
    dense.Update(UpdateVariant::kReference, v.data(), 0.9f);
  }
  low.BlendToIdentity(0.9f);
  dense.BlendToIdentity(0.9f);
  ExpectAllNear(low.ToDense(), dense.ToDense(), 1e-6, "blend 0.9");
  EXPECT_EQ(low.rank(), 3);
  // A non-finite denominator skips the update and leaves F as it was.
  const std::vector<float> before = low.ToDense();
  std::vector<float> bad(16, 0.0f);
  bad[2] = std::nanf("");
  for (UpdateVariant variant : {UpdateVariant::kReference, UpdateVariant::kExactMomentum}) {
    EXPECT_FALSE(low.Update(variant, bad.data(), 0.9f));
    EXPECT_EQ(low.rank(), 3);
    EXPECT_EQ(low.ToDense(), before);
  }
  low.BlendToIdentity(0.0f);
  EXPECT_EQ(low.rank(), 0);
  EXPECT_FALSE(low.dense());
  ExpectAllNear(low.ToDense(), InverseFactor(16, FactorForm::kDense, false).ToDense(), 0, "reset");
}

TEST(InverseFactorTest, DecayedTermsAreDroppedAndFReturnsToIdentity) {
  // Under the reference update with v = 0, F - I shrinks by gamma per update
  // (T4); a term below 1e-7 of alpha is dropped, leaving exactly I.
  InverseFactor f(8, FactorForm::kAuto, false);
  std::vector<float> v(8, 0.0f);
  v[0] = 1.0f;
  ASSERT_TRUE(f.Update(UpdateVariant::kReference, v.data(), 0.95f));
  EXPECT_EQ(f.rank(), 1);
  std::fill(v.begin(), v.end(), 0.0f);
  int updates = 0;
  while (f.rank() > 0 && updates < 1000) {
    ASSERT_TRUE(f.Update(UpdateVariant::kReference, v.data(), 0.95f));
    ++updates;
  }
  // The term starts at 0.5 (SM(I, e1) = I - e1 e1^T / 2): 0.5 * 0.95^k < 1e-7 from k = 301.
  EXPECT_EQ(updates, 301);
  ExpectAllNear(f.ToDense(), InverseFactor(8, FactorForm::kDense, false).ToDense(), 0, "identity");
}

TEST(InverseFactorTest, SaveLoadKeepsTheExactRepresentation) {
  std::mt19937 rng(11);
  for (int updates : {3, 20}) {  // low rank; dense (d = 16 turns dense at 8 terms)
    InverseFactor f(16, FactorForm::kAuto, false);
    for (int k = 0; k < updates; ++k) {
      const std::vector<float> v = RandomVector(16, &rng, 0.7f);
      f.Update(UpdateVariant::kReference, v.data(), 0.95f);
    }
    proto::StateProto state;
    f.Save("mkor/left/fc1", &state);
    InverseFactor g(16, FactorForm::kAuto, false);
    ASSERT_TRUE(g.Load(state, "mkor/left/fc1").ok());
    EXPECT_EQ(g.dense(), f.dense());
    EXPECT_EQ(g.rank(), f.rank());
    EXPECT_EQ(g.ToDense(), f.ToDense());
    const std::vector<float> v = RandomVector(16, &rng, 0.7f);
    f.Update(UpdateVariant::kReference, v.data(), 0.95f);
    g.Update(UpdateVariant::kReference, v.data(), 0.95f);
    EXPECT_EQ(g.ToDense(), f.ToDense());
  }
}

TEST(InverseFactorTest, LoadRejectsAMismatchedCheckpoint) {
  InverseFactor f(16, FactorForm::kAuto, false);
  const std::vector<float> v(16, 0.1f);
  f.Update(UpdateVariant::kReference, v.data(), 0.95f);
  proto::StateProto state;
  f.Save("mkor/right/fc2", &state);
  InverseFactor dense(16, FactorForm::kDense, false);
  absl::Status s = dense.Load(state, "mkor/right/fc2");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("mkor/right/fc2"), std::string::npos) << s.message();
  InverseFactor other(15, FactorForm::kAuto, false);
  EXPECT_FALSE(other.Load(state, "mkor/right/fc2").ok());
  EXPECT_FALSE(f.Load(state, "mkor/right/fc3").ok());
}

TEST(InverseFactorTest, FastHalfRoundingMatchesTheConversion) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint32_t> bits;
  std::vector<float> values = {0.0f, -0.0f, 1.0f, 65504.0f, 65519.99f, 65520.0f, 1e-8f, 2.98e-8f,
                               6.1e-5f, 6.103515625e-05f, 6.097555e-05f, 0.33333334f, -2.5f};
  for (int i = 0; i < 200000; ++i) {
    uint32_t b = bits(rng);
    float x;
    std::memcpy(&x, &b, sizeof(x));
    if (std::isfinite(x)) values.push_back(x);
    values.push_back(std::ldexp(static_cast<float>(b % 4096) / 4096.0f + 1.0f, int(b % 48) - 30));
  }
  for (float x : values) {
    const float want = static_cast<float>(static_cast<_Float16>(x));
    const float got = RoundToHalf(x);
    ASSERT_EQ(std::memcmp(&got, &want, sizeof(float)), 0) << x << " -> " << got << " want " << want;
  }
}

}  // namespace
}  // namespace syncline::optim::mkor
