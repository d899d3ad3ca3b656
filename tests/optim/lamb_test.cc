// Known answers from specs/lamb.md section 10 (x = [1, 2, 2], g1 = [0.1, -0.2, 0.3],
// g2 = [-0.05, 0.1, 0.2], lr 0.01, b1 0.9, b2 0.999, eps 1e-6, wd 0.01, phi = identity).
// The implementation computes in float32, so values match to ~1e-6.
#include "optim/lamb.h"

#include <cmath>

#include "gtest/gtest.h"
#include "optim/factory.h"
#include "optim/param_groups.h"
#include "tests/optim/test_params.h"

namespace syncline::optim {
namespace {

using testing::ParamSet;

const std::vector<float> kG1 = {0.1f, -0.2f, 0.3f};
const std::vector<float> kG2 = {-0.05f, 0.1f, 0.2f};

LambOptions SpecOptions() {
  LambOptions o;
  o.weight_decay = 0.01f;
  return o;
}

std::vector<float> Scaled(const std::vector<float>& g, float s) {
  std::vector<float> out;
  for (float v : g) out.push_back(v * s);
  return out;
}

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

// Matrix-shaped parameter so that the default ndim <= 1 exclusion does not apply.
struct SpecRun {
  ParamSet ps;
  std::unique_ptr<Lamb> lamb;
  explicit SpecRun(const LambOptions& o, std::vector<float> x = {1.0f, 2.0f, 2.0f}) {
    ps.Add("fc.weight", std::move(x), {1, 3});
    lamb = std::make_unique<Lamb>(ps.params(), o, std::vector<bool>{false});
    lamb->set_lr(0.01f);
  }
  std::vector<float> Step(const std::vector<float>& g) {
    ps.SetGrad(0, g);
    EXPECT_TRUE(lamb->Step().ok());
    return ps.value(0).vec();
  }
};

TEST(LambTest, T1T2TwoBiasCorrectedSteps) {
  SpecRun run(SpecOptions());
  ExpectNear(run.Step(kG1), {0.9825669731, 2.0169152954, 1.9823942521}, 2e-6);
  EXPECT_NEAR(run.lamb->last_trust(0), 1.7260593526, 1e-5);
  ExpectNear(run.Step(kG2), {0.9747451577, 2.0238875984, 1.9543490492}, 2e-6);
  EXPECT_NEAR(run.lamb->last_trust(0), 2.8323559377, 1e-5);
}

TEST(LambTest, T3NoBiasCorrection) {
  LambOptions o = SpecOptions();
  o.bias_correction = false;
  SpecRun run(o);
  ExpectNear(run.Step(kG1), {0.9826453857, 2.0171931761, 1.9825870146}, 2e-6);
  EXPECT_NEAR(run.lamb->last_trust(0), 0.5472435525, 1e-5);
}

TEST(LambTest, T4AdaptedLayerMovesExactlyLrTimesWeightNorm) {
  SpecRun run(SpecOptions());
  std::vector<float> x0 = run.ps.value(0).vec();
  std::vector<float> x1 = run.Step(kG1);
  std::vector<float> x2 = run.Step(kG2);
  auto dist = [](const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(s);
  };
  EXPECT_NEAR(dist(x1, x0), 0.01 * Norm(x0.data(), 3), 1e-7);
  EXPECT_NEAR(dist(x2, x1), 0.01 * Norm(x1.data(), 3), 1e-7);
  EXPECT_NEAR(dist(x2, x1), 0.0299387243, 1e-7);
}

TEST(LambTest, T5ScaleInvarianceAtStepOne) {
  for (float s : {10.0f, 100.0f, 1000.0f}) {
    SpecRun run(SpecOptions());
    ExpectNear(run.Step(Scaled(kG1, s)), {0.9825669731, 2.0169152954, 1.9823942521}, 2e-6);
  }
}

TEST(LambTest, T6NvlambGlobalClip) {
  LambOptions o = SpecOptions();
  o.global_clip_norm = 1.0f;
  SpecRun run(o);
  ExpectNear(run.Step(Scaled(kG1, 10)), {0.9825669316, 2.0169152849, 1.9823942832}, 2e-6);
  ExpectNear(run.Step(Scaled(kG2, 10)), {0.9808706183, 2.0177339221, 1.9525148661}, 2e-6);
  EXPECT_NEAR(run.lamb->last_trust(0), 2.9261016831, 1e-5);

  SpecRun unclipped(SpecOptions());
  unclipped.Step(Scaled(kG1, 10));
  ExpectNear(unclipped.Step(Scaled(kG2, 10)), {0.9747450443, 2.0238875976, 1.9543491124}, 2e-6);
}

TEST(LambTest, T7ZeroWeightsUseTrustOne) {
  SpecRun run(SpecOptions(), {0.0f, 0.0f, 0.0f});
  ExpectNear(run.Step(kG1), {-0.0099999000, 0.0099999500, -0.0099999667}, 1e-8);
  EXPECT_EQ(run.lamb->last_trust(0), 1.0);
}

TEST(LambTest, T8ExcludedBiasTakesPlainAdamStep) {
  ParamSet ps;
  ps.Add("fc.weight", {1.0f, 2.0f, 2.0f}, {1, 3});
  ps.Add("fc.bias", {0.5f, -0.5f, 0.0f});
  proto::OptimizerConfig c;
  c.set_name("lamb");
  c.set_lr(0.01f);
  c.set_weight_decay(0.01f);
  auto opt = CreateFirstOrderOptimizer(c, ps.params());
  ASSERT_TRUE(opt.ok()) << opt.status();
  ps.SetGrad(0, kG1);
  ps.SetGrad(1, kG1);
  ASSERT_TRUE((*opt)->Step().ok());
  ExpectNear(ps.value(0).vec(), {0.9825669731, 2.0169152954, 1.9823942521}, 2e-6);
  ExpectNear(ps.value(1).vec(), {0.4900001000, -0.4900000500, -0.0099999667}, 2e-7);
}

TEST(LambTest, RegexExclusionAndAdaptExcluded) {
  ParamSet ps;
  ps.Add("ln.gamma", {1.0f, 2.0f, 2.0f}, {1, 3});
  ps.Add("fc.weight", {1.0f, 2.0f, 2.0f}, {1, 3});
  auto mask = ExclusionMask(ps.params(), true, {"gamma", "LayerNorm"}, "f");
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(*mask, (std::vector<bool>{true, false}));
  EXPECT_FALSE(ExclusionMask(ps.params(), true, {"("}, "optimizer.lamb.exclude_regex").ok());

  LambOptions o = SpecOptions();
  o.adapt_excluded = true;  // apex use_nvlamb: trust ratio still applies, wd 0
  Lamb lamb(ps.params(), o, *mask);
  lamb.set_lr(0.01f);
  ps.SetGrad(0, kG1);
  ps.SetGrad(1, kG1);
  ASSERT_TRUE(lamb.Step().ok());
  EXPECT_NE(lamb.last_trust(0), 1.0);
  // Excluded: wd 0, so the step length is still exactly lr * ||x||.
  std::vector<float> x = ps.value(0).vec();
  double d = std::sqrt(std::pow(x[0] - 1, 2) + std::pow(x[1] - 2, 2) + std::pow(x[2] - 2, 2));
  EXPECT_NEAR(d, 0.03, 1e-7);
}

TEST(LambTest, ZeroGradientWithoutDecayDoesNotMove) {
  LambOptions o;
  SpecRun run(o);
  ExpectNear(run.Step({0.0f, 0.0f, 0.0f}), {1.0, 2.0, 2.0}, 0);
  EXPECT_EQ(run.lamb->last_trust(0), 1.0);
}

TEST(LambTest, NanGradientReportedStateUnchanged) {
  SpecRun run(SpecOptions());
  run.ps.SetGrad(0, {0.1f, std::numeric_limits<float>::infinity(), 0.0f});
  absl::Status s = run.lamb->Step();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("fc.weight"), std::string::npos);
  EXPECT_EQ(run.lamb->step_count(), 0);
  // State untouched: the next good step is still the spec's step 1.
  ExpectNear(run.Step(kG1), {0.9825669731, 2.0169152954, 1.9823942521}, 2e-6);
}

TEST(LambTest, SaveLoadResumesBitIdentically) {
  SpecRun a(SpecOptions());
  a.Step(kG1);
  proto::StateProto saved;
  a.lamb->SaveState(&saved);
  SpecRun b(SpecOptions(), a.ps.value(0).vec());
  ASSERT_TRUE(b.lamb->LoadState(saved).ok());
  EXPECT_EQ(a.Step(kG2), b.Step(kG2));
}

}  // namespace
}  // namespace syncline::optim
