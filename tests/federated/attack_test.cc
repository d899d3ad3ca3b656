// fal.md section 8: the linear logistic model f(x) = w.x + b as two-class CE
// with logits [0, f] (class 1 <=> y = +1).
#include "federated/attack.h"

#include <gtest/gtest.h>

#include <cmath>

namespace syncline::federated {
namespace {

class LinearLogit : public core::Module {
 public:
  void ForwardInto(const core::Tensor& x, core::Tensor* y) override {
    x_ = x;
    const int64_t n = x.dim(0);
    core::Tensor& out = *y;
    out = core::Tensor({n, 2});
    for (int64_t i = 0; i < n; ++i) {
      double f = b;
      for (int j = 0; j < 3; ++j) f += w[j] * x[i * 3 + j];
      out[i * 2 + 1] = static_cast<float>(f);
    }
  }
  void BackwardInto(const core::Tensor& dy, core::Tensor* dx_out) override {
    const int64_t n = x_.dim(0);
    core::Tensor& dx = *dx_out;
    dx = core::Tensor({n, 3});
    for (int64_t i = 0; i < n; ++i) {
      for (int j = 0; j < 3; ++j) dx[i * 3 + j] = dy[i * 2 + 1] * w[j];
    }
  }
  float w[3] = {0.5f, -1.0f, 2.0f};
  float b = 0.1f;

 private:
  core::Tensor x_;
};

struct Case {
  std::vector<float> x;
  int32_t label;  // 1 <=> y = +1
  float eps;
  std::vector<float> expect;
};

AttackOptions Fgsm(float eps) {
  AttackOptions o;
  o.epsilon = eps;
  o.steps = 1;
  o.step_size = eps;
  o.rand_init = false;
  return o;
}

TEST(AttackTest, FgsmAndPgdHitTheWorstCase) {
  const Case cases[] = {
      {{0.2f, 0.4f, 0.6f}, 1, 0.1f, {0.1f, 0.5f, 0.5f}},
      {{0.2f, 0.4f, 0.6f}, 1, 0.3f, {0.0f, 0.7f, 0.3f}},
      {{0.7f, 0.1f, 0.3f}, 0, 0.1f, {0.8f, 0.0f, 0.4f}},
      {{0.7f, 0.1f, 0.3f}, 0, 0.3f, {1.0f, 0.0f, 0.6f}},
  };
  LinearLogit model;
  SplitMix64 rng(1);
  for (const Case& c : cases) {
    core::Tensor x({1, 3}, c.x);
    core::Tensor adv = Pgd(&model, x, {c.label}, Fgsm(c.eps), &rng);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(adv[j], c.expect[j], 1e-6) << "eps " << c.eps;
    AttackOptions pgd;
    pgd.rand_init = false;
    pgd.epsilon = c.eps;
    pgd.steps = c.eps > 0.2f ? 40 : 20;
    pgd.step_size = c.eps > 0.2f ? 0.01f : 0.0125f;
    core::Tensor adv2 = Pgd(&model, x, {c.label}, pgd, &rng);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(adv2[j], c.expect[j], 1e-5) << "pgd eps " << c.eps;
  }
}

TEST(AttackTest, RandomStartStaysInBallAndDomain) {
  LinearLogit model;
  SplitMix64 rng(3), data(4);
  AttackOptions o;
  o.epsilon = 0.1f;
  o.steps = 20;
  o.step_size = 0.0125f;
  o.rand_init = true;
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> v(3 * 8);
    std::vector<int32_t> y(8);
    for (auto& e : v) e = static_cast<float>(data.Uniform());
    for (auto& l : y) l = static_cast<int32_t>(data.Below(2));
    core::Tensor x({8, 3}, v);
    core::Tensor adv = Pgd(&model, x, y, o, &rng);
    for (int64_t i = 0; i < x.numel(); ++i) {
      EXPECT_LE(std::fabs(adv[i] - x[i]), o.epsilon + 1e-7);
      EXPECT_GE(adv[i], 0.0f);
      EXPECT_LE(adv[i], 1.0f);
    }
  }
}

TEST(AttackTest, ZeroEpsilonTouchesNothing) {
  LinearLogit model;
  SplitMix64 rng(5);
  const uint64_t before = rng.state();
  AttackOptions o;
  o.steps = 10;
  o.step_size = 0.1f;
  core::Tensor x({1, 3}, {0.2f, 0.4f, 0.6f});
  core::Tensor adv = Pgd(&model, x, {1}, o, &rng);
  EXPECT_EQ(adv.vec(), x.vec());
  EXPECT_EQ(rng.state(), before);
}

TEST(AttackTest, ScaleMapsPixelSpaceToNormalisedInputs) {
  // Data normalised to [-1, 3]: one pixel unit is 4 input units.
  AttackOptions o = ScaleAttack({-1.0f, 3.0f}, 0.1f, 20, 0.0125f, true, 0.0f, 1.0f);
  EXPECT_FLOAT_EQ(o.epsilon, 0.4f);
  EXPECT_FLOAT_EQ(o.step_size, 0.05f);
  EXPECT_FLOAT_EQ(o.lo, -1.0f);
  EXPECT_FLOAT_EQ(o.hi, 3.0f);
}

}  // namespace
}  // namespace syncline::federated
