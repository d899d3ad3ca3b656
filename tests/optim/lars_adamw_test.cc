#include <cmath>

#include "gtest/gtest.h"
#include "optim/adamw.h"
#include "optim/factory.h"
#include "optim/lars.h"
#include "tests/optim/test_params.h"

namespace syncline::optim {
namespace {

using testing::ParamSet;

// specs/lamb.md T11.
TEST(LarsTest, T11LocalLearningRate) {
  ParamSet ps;
  ps.Add("fc.weight", {3.0f, 4.0f}, {1, 2});
  Lars zero_wd(ps.params(), {.trust_coef = 0.001f, .momentum = 0.9f, .weight_decay = 0.0f}, {false});
  zero_wd.set_lr(1.0f);
  ps.SetGrad(0, {0.3f, 0.4f});
  ASSERT_TRUE(zero_wd.Step().ok());
  EXPECT_NEAR(zero_wd.last_local_lr(0), 0.01, 1e-9);

  ParamSet qs;
  qs.Add("fc.weight", {3.0f, 4.0f}, {1, 2});
  Lars lars(qs.params(), {.trust_coef = 0.001f, .momentum = 0.9f, .weight_decay = 5e-4f}, {false});
  lars.set_lr(1.0f);
  qs.SetGrad(0, {0.3f, 0.4f});
  ASSERT_TRUE(lars.Step().ok());
  EXPECT_NEAR(lars.last_local_lr(0), 0.0099502488, 1e-9);
  EXPECT_NEAR(qs.value(0)[0], 2.997, 1e-6);
  EXPECT_NEAR(qs.value(0)[1], 3.996, 1e-6);
  // Gradient parallel to w: the step is exactly trust_coef * ||w|| = 0.005.
  EXPECT_NEAR(std::hypot(3.0 - qs.value(0)[0], 4.0 - qs.value(0)[1]), 0.005, 1e-6);
}

TEST(LarsTest, ZeroNormsClipAndExclusion) {
  ParamSet ps;
  ps.Add("fc.weight", {0.0f, 0.0f}, {1, 2});
  ps.Add("fc.bias", {1.0f});
  proto::OptimizerConfig c;
  c.set_name("lars");
  c.set_lr(0.5f);
  c.set_momentum(0.0f);
  c.set_weight_decay(0.1f);
  c.mutable_lars()->set_clip_local_lr(true);
  auto opt = CreateFirstOrderOptimizer(c, ps.params());
  ASSERT_TRUE(opt.ok()) << opt.status();
  ps.SetGrad(0, {1.0f, -1.0f});
  ps.SetGrad(1, {2.0f});
  ASSERT_TRUE((*opt)->Step().ok());
  EXPECT_EQ(ps.value(0).vec(), (std::vector<float>{-0.5f, 0.5f}));  // ||w|| = 0: local_lr 1
  EXPECT_EQ(ps.value(1).vec(), (std::vector<float>{0.0f}));         // excluded: no decay
}

TEST(LarsTest, NanReported) {
  ParamSet ps;
  ps.Add("conv1.weight", {1.0f, 1.0f}, {1, 2});
  Lars lars(ps.params(), {}, {false});
  lars.set_lr(1.0f);
  ps.SetGrad(0, {std::nanf(""), 0.0f});
  absl::Status s = lars.Step();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("conv1.weight"), std::string::npos);
  EXPECT_EQ(ps.value(0).vec(), (std::vector<float>{1.0f, 1.0f}));
}

// Known answer from PyTorch 1.13 torch.optim.AdamW(lr=0.1, weight_decay=0.01),
// x0 = [1, -2, 0.5], three gradients.
TEST(AdamWTest, MatchesPyTorch) {
  ParamSet ps;
  ps.Add("w", {1.0f, -2.0f, 0.5f});
  AdamW adamw(ps.params(), {.weight_decay = 0.01f});
  adamw.set_lr(0.1f);
  for (const auto& g : std::vector<std::vector<float>>{{0.1f, -0.2f, 0.3f}, {-0.05f, 0.1f, 0.2f}, {0.4f, 0.0f, -0.1f}}) {
    ps.SetGrad(0, g);
    ASSERT_TRUE(adamw.Step().ok());
  }
  EXPECT_NEAR(ps.value(0)[0], 0.803531110, 2e-6);
  EXPECT_NEAR(ps.value(0)[1], -1.847010970, 2e-6);
  EXPECT_NEAR(ps.value(0)[2], 0.246574044, 2e-6);
}

TEST(AdamWTest, SaveLoadRoundTrip) {
  ParamSet a, b;
  a.Add("w", {1.0f, 2.0f});
  AdamW x(a.params(), {.weight_decay = 0.1f});
  x.set_lr(0.01f);
  a.SetGrad(0, {0.5f, -0.5f});
  ASSERT_TRUE(x.Step().ok());
  proto::StateProto st;
  x.SaveState(&st);
  b.Add("w", a.value(0).vec());
  AdamW y(b.params(), {.weight_decay = 0.1f});
  ASSERT_TRUE(y.LoadState(st).ok());
  a.SetGrad(0, {0.1f, 0.3f});
  b.SetGrad(0, {0.1f, 0.3f});
  ASSERT_TRUE(x.Step().ok());
  ASSERT_TRUE(y.Step().ok());
  EXPECT_EQ(a.value(0).vec(), b.value(0).vec());
}

}  // namespace
}  // namespace syncline::optim
