// Known answers produced by PyTorch 1.13 torch.optim.SGD (lr 0.1, x0 = [1, -2, 0.5],
// gradients [0.1, -0.2, 0.3], [-0.05, 0.1, 0.2], [0.4, 0, -0.1]).
#include "optim/sgd.h"

#include <cmath>

#include "gtest/gtest.h"
#include "optim/factory.h"
#include "tests/optim/test_params.h"

namespace syncline::optim {
namespace {

using testing::ParamSet;

std::vector<float> RunThreeSteps(const SgdOptions& o, ParamSet* ps) {
  ps->Add("w", {1.0f, -2.0f, 0.5f});
  Sgd sgd(ps->params(), o);
  sgd.set_lr(0.1f);
  const std::vector<std::vector<float>> grads = {{0.1f, -0.2f, 0.3f}, {-0.05f, 0.1f, 0.2f}, {0.4f, 0.0f, -0.1f}};
  for (const auto& g : grads) {
    ps->SetGrad(0, g);
    EXPECT_TRUE(sgd.Step().ok());
  }
  EXPECT_EQ(sgd.step_count(), 3);
  return ps->value(0).vec();
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 2e-6) << "element " << i;
}

TEST(SgdTest, PlainMatchesPyTorch) {
  ParamSet ps;
  ExpectNear(RunThreeSteps({}, &ps), {0.954999983f, -1.990000010f, 0.459999979f});
}

TEST(SgdTest, MomentumWeightDecayMatchesPyTorch) {
  ParamSet ps;
  ExpectNear(RunThreeSteps({.momentum = 0.9f, .weight_decay = 0.01f}, &ps),
             {0.936827838f, -1.953655601f, 0.388031363f});
}

TEST(SgdTest, NesterovMatchesPyTorch) {
  ParamSet ps;
  ExpectNear(RunThreeSteps({.momentum = 0.9f, .weight_decay = 0.01f, .nesterov = true}, &ps),
             {0.895209730f, -1.942419529f, 0.357993394f});
}

TEST(SgdTest, DampeningMatchesPyTorch) {
  ParamSet ps;
  ExpectNear(RunThreeSteps({.momentum = 0.5f, .dampening = 0.3f}, &ps),
             {0.959749997f, -1.975499988f, 0.433499992f});
}

TEST(SgdTest, ZeroGradientWithoutDecayDoesNotMove) {
  ParamSet ps;
  ps.Add("w", {1.0f, 2.0f});
  Sgd sgd(ps.params(), {.momentum = 0.9f});
  sgd.set_lr(0.5f);
  ASSERT_TRUE(sgd.Step().ok());
  EXPECT_EQ(ps.value(0).vec(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(SgdTest, NanGradientIsReportedAndChangesNothing) {
  ParamSet ps;
  ps.Add("fc1.weight", {1.0f, 2.0f});
  ps.Add("fc2.weight", {3.0f, 4.0f});
  Sgd sgd(ps.params(), {.momentum = 0.9f});
  sgd.set_lr(0.1f);
  ps.SetGrad(0, {0.1f, 0.1f});
  ps.SetGrad(1, {0.1f, std::nanf("")});
  absl::Status s = sgd.Step();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("fc2.weight"), std::string::npos) << s.message();
  EXPECT_EQ(ps.value(0).vec(), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(ps.value(1).vec(), (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(sgd.step_count(), 0);
}

TEST(SgdTest, SaveLoadResumesBitIdentically) {
  const std::vector<std::vector<float>> grads = {{0.3f, -0.1f}, {0.2f, 0.5f}, {-0.4f, 0.1f}, {0.7f, 0.2f}};
  SgdOptions o{.momentum = 0.9f, .weight_decay = 1e-3f, .nesterov = true};
  ParamSet a;
  a.Add("w", {1.0f, -1.0f});
  Sgd full(a.params(), o);
  full.set_lr(0.05f);
  proto::StateProto saved;
  std::vector<float> x_at_save;
  for (int i = 0; i < 4; ++i) {
    if (i == 2) {
      full.SaveState(&saved);
      x_at_save = a.value(0).vec();
    }
    a.SetGrad(0, grads[i]);
    ASSERT_TRUE(full.Step().ok());
  }
  ParamSet b;
  b.Add("w", x_at_save);
  Sgd resumed(b.params(), o);
  ASSERT_TRUE(resumed.LoadState(saved).ok());
  EXPECT_EQ(resumed.step_count(), 2);
  EXPECT_FLOAT_EQ(resumed.lr(), 0.05f);
  for (int i = 2; i < 4; ++i) {
    b.SetGrad(0, grads[i]);
    ASSERT_TRUE(resumed.Step().ok());
  }
  EXPECT_EQ(a.value(0).vec(), b.value(0).vec());
}

TEST(SgdTest, LoadStateNamesMissingBuffer) {
  ParamSet ps;
  ps.Add("fc1.weight", {1.0f});
  Sgd sgd(ps.params(), {.momentum = 0.9f});
  proto::StateProto empty;
  (*empty.mutable_scalars())["step_count"] = 3;
  absl::Status s = sgd.LoadState(empty);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("momentum/fc1.weight"), std::string::npos) << s.message();
}

TEST(FactoryTest, BuildsSgdFromConfig) {
  ParamSet ps;
  ps.Add("w", {1.0f, -2.0f, 0.5f});
  proto::OptimizerConfig c;
  c.set_name("sgd");
  c.set_lr(0.1f);
  c.set_momentum(0.9f);
  c.set_weight_decay(0.01f);
  auto opt = CreateFirstOrderOptimizer(c, ps.params());
  ASSERT_TRUE(opt.ok()) << opt.status();
  EXPECT_EQ((*opt)->name(), "sgd");
  EXPECT_FLOAT_EQ((*opt)->lr(), 0.1f);
}

TEST(FactoryTest, RejectsUnknownNameAndBadFields) {
  proto::OptimizerConfig c;
  c.set_name("adagrad");
  c.set_momentum(1.5f);
  absl::Status s = ValidateOptimizerConfig(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("optimizer.name"), std::string::npos);
  EXPECT_NE(s.message().find("optimizer.momentum"), std::string::npos);
}

}  // namespace
}  // namespace syncline::optim
