// MKOR optimizer: specs/mkor.md T3, T7, T8, T9 and the robustness cases.
#include "optim/mkor.h"

#include <cmath>

#include "gtest/gtest.h"
#include "optim/factory.h"
#include "optim/param_groups.h"
#include "optim/sgd.h"
#include "tests/optim/mkor_test_util.h"

namespace syncline::optim {
namespace {

using testing::LayerSpec;
using testing::MakeData;
using testing::MkorConfig;
using testing::ParamSet;
using testing::TinyNet;

std::unique_ptr<Mkor> MakeMkor(const proto::OptimizerConfig& c, TinyNet* net,
                               std::function<void(bool)> collect = {}) {
  auto m = Mkor::Create(c, net->params().params(), net->stats(), std::move(collect), nullptr);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : nullptr;
}

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "entry " << i;
}

// T3: Linear d_in = 1 plus bias, d_out = 2, SGD lr 1 without momentum so that
// the applied update equals the preconditioned gradient.
void RunT3(const std::string& rescale, const std::vector<double>& want_update) {
  TinyNet net({{"fc", 1, 2, true}}, 1);
  proto::OptimizerConfig c = MkorConfig("sgd", 1);
  c.set_lr(1.0f);
  c.set_momentum(0.0f);
  c.mutable_mkor()->set_rescale(rescale);
  auto mkor = MakeMkor(c, &net);
  core::Rank1Stats& st = net.stat(0);
  // Step 0: the flags start set, so the first factor update only sets F = I.
  st.a = core::Tensor({2}, {0.5f, 1.0f});
  st.g = core::Tensor({2}, {1.0f, 2.0f});
  ASSERT_TRUE(mkor->Step().ok());
  ExpectNear(mkor->left_inverse(0), {1, 0, 0, 1}, 0);
  ExpectNear(mkor->right_inverse(0), {1, 0, 0, 1}, 0);
  // Step 1: SM updates from I, then preconditioning.
  const std::vector<float> w0 = net.params().value(0).vec(), b0 = net.params().value(1).vec();
  net.params().SetGrad(0, {0.3f, 0.2f});   // column 1 of [dW | db]
  net.params().SetGrad(1, {-0.1f, 0.4f});  // column 2 (bias)
  ASSERT_TRUE(mkor->Step().ok());
  ExpectNear(mkor->left_inverse(0), {5.0 / 6, -1.0 / 3, -1.0 / 3, 1.0 / 3}, 1e-7);
  ExpectNear(mkor->right_inverse(0), {8.0 / 9, -2.0 / 9, -2.0 / 9, 5.0 / 9}, 1e-7);
  const std::vector<float>& w1 = net.params().value(0).vec();
  const std::vector<float>& b1 = net.params().value(1).vec();
  ExpectNear({w0[0] - w1[0], b0[0] - b1[0], w0[1] - w1[1], b0[1] - b1[1]}, want_update, 2e-6);
}

TEST(MkorTest, T3FullStepSumOfParts) {
  RunT3("sum_of_parts", {0.396974535, -0.302954250, -0.125360379, 0.188040569});
}

TEST(MkorTest, T3FullStepFrobenius) {
  RunT3("frobenius", {0.396680743, -0.302730041, -0.125267603, 0.187901405});
}

TEST(MkorTest, T7StabiliserFlagsResetsBothAndBlends) {
  for (float zeta : {0.0f, 0.9f}) {
    TinyNet net({{"fc", 1, 2, true}}, 1);
    proto::OptimizerConfig c = MkorConfig("sgd", 1);
    c.mutable_mkor()->set_update_variant("exact_momentum");  // v = 0: F <- F / gamma
    c.mutable_mkor()->set_stabilizer_zeta(zeta);
    auto mkor = MakeMkor(c, &net);
    net.stat(0).a = core::Tensor({2});
    net.stat(0).g = core::Tensor({2});
    ASSERT_TRUE(mkor->Step().ok());  // first factor update: F = zeta I + (1 - zeta) I = I
    EXPECT_EQ(mkor->left_inverse(0)[0], 1.0f);
    float expect = 1.0f;
    for (int k = 1; k <= 13; ++k) {  // 0.95^-13 = 1.95 <= 2: no flag yet
      ASSERT_TRUE(mkor->Step().ok());
      expect /= 0.95f;
      EXPECT_NEAR(mkor->left_inverse(0)[0], expect, 1e-5) << k;
      EXPECT_NEAR(mkor->right_inverse(0)[0], expect, 1e-5) << k;
    }
    // k = 14: R (updated first) reaches 0.95^-14 = 2.05 > 2 and flags both
    // factors; L, processed next in the same step, is reset instead of updated.
    ASSERT_TRUE(mkor->Step().ok());
    EXPECT_NEAR(mkor->right_inverse(0)[0], expect / 0.95f, 1e-5);
    const float left14 = zeta * expect + (1 - zeta);
    EXPECT_NEAR(mkor->left_inverse(0)[0], left14, 1e-5);
    // k = 15: R is reset (no SM update), L's flag was cleared so it is updated.
    ASSERT_TRUE(mkor->Step().ok());
    EXPECT_NEAR(mkor->right_inverse(0)[0], zeta * expect / 0.95f + (1 - zeta), 1e-5);
    EXPECT_NEAR(mkor->left_inverse(0)[0], left14 / 0.95f, 1e-5);
  }
}

TEST(MkorTest, T8IdentityFactorsEqualBaseBitForBit) {
  for (const std::string base : {"sgd", "lamb"}) {
    const std::vector<LayerSpec> specs = {{"fc1", 3, 4, true}, {"fc2", 4, 2, false}};
    std::vector<std::vector<float>> x, t;
    MakeData(specs, 8, 3, &x, &t);
    TinyNet a(specs, 5), b(specs, 5);
    proto::OptimizerConfig c = MkorConfig(base, 1000);  // one factor update (= reset to I) at t = 0
    c.mutable_mkor()->set_factor_dtype("fp16");
    auto mkor = MakeMkor(c, &a);
    proto::OptimizerConfig bc = c;
    bc.set_name(base);
    auto plain = CreateFirstOrderOptimizer(bc, b.params().params());
    ASSERT_TRUE(plain.ok());
    for (int step = 0; step < 5; ++step) {
      a.Backward(x, t, 0, 8, true);
      b.Backward(x, t, 0, 8, false);
      ASSERT_TRUE(mkor->Step().ok());
      ASSERT_TRUE((*plain)->Step().ok());
      for (size_t p = 0; p < a.params().params().size(); ++p) {
        EXPECT_EQ(a.params().value(p).vec(), b.params().value(p).vec()) << base << " step " << step;
      }
    }
  }
}

TEST(MkorTest, T8RescaledUpdateKeepsGradientNorm) {
  const std::vector<LayerSpec> specs = {{"fc1", 5, 3, true}};
  std::vector<std::vector<float>> x, t;
  MakeData(specs, 6, 9, &x, &t);
  TinyNet net(specs, 2);
  proto::OptimizerConfig c = MkorConfig("sgd", 1);
  c.set_lr(0.0f);  // only look at the gradients MKOR hands to the base
  auto mkor = MakeMkor(c, &net);
  for (int step = 0; step < 4; ++step) {
    net.Backward(x, t, 0, 6, true);
    const double gw = std::sqrt(SquaredNorm(net.params().grad(0).data(), 15));
    const double gb = std::sqrt(SquaredNorm(net.params().grad(1).data(), 3));
    ASSERT_TRUE(mkor->Step().ok());
    const double hw = std::sqrt(SquaredNorm(net.params().grad(0).data(), 15));
    const double hb = std::sqrt(SquaredNorm(net.params().grad(1).data(), 3));
    EXPECT_NEAR(hw + hb, gw + gb, 1e-6 * (gw + gb));
  }
}

TEST(MkorTest, T9CollectionScheduleExclusionAndMessageSize) {
  const std::vector<LayerSpec> specs = {{"fc1", 3, 4, true}, {"head", 4, 2, false}, {"fc2", 2, 5, false}};
  std::vector<std::vector<float>> x, t;
  MakeData(specs, 4, 1, &x, &t);
  TinyNet net(specs, 1), ref(specs, 1);
  proto::OptimizerConfig c = MkorConfig("sgd", 3);
  c.mutable_mkor()->set_warmup_steps(2);
  c.mutable_mkor()->add_excluded_layers("^head$");
  std::vector<bool> collect;
  auto mkor = MakeMkor(c, &net, [&](bool on) { collect.push_back(on); });
  proto::OptimizerConfig rc = c;
  rc.set_name("sgd");
  auto sgd = CreateFirstOrderOptimizer(rc, ref.params().params());
  ASSERT_EQ(mkor->num_layers(), 2);
  for (int step = 0; step < 7; ++step) {
    net.Backward(x, t, 0, 4, true);
    ASSERT_TRUE(mkor->Step().ok());
    EXPECT_EQ(mkor->last_message_size(), (4 + 4) + (2 + 5));
  }
  // set at construction for t = 0, then after each step for t + 1.
  EXPECT_EQ(collect, (std::vector<bool>{true, true, false, true, false, false, true, false}));
  // The excluded layer's parameters follow plain SGD exactly (its gradient
  // is not preconditioned and its inputs do not depend on other layers here).
  for (int step = 0; step < 7; ++step) {
    ref.Backward(x, t, 0, 4, false);
    ASSERT_TRUE((*sgd)->Step().ok());
  }
  EXPECT_EQ(net.params().value(2).vec(), ref.params().value(2).vec());
  EXPECT_NE(net.params().value(0).vec(), ref.params().value(0).vec());
}

TEST(MkorTest, ZeroGradientsLeaveParametersUnchanged) {
  TinyNet net({{"fc", 3, 2, true}}, 1);
  auto mkor = MakeMkor(MkorConfig("lamb", 1), &net);
  const std::vector<float> w = net.params().value(0).vec();
  for (int step = 0; step < 3; ++step) {
    net.stat(0).a = core::Tensor({4}, {0.1f, 0.2f, 0.3f, 1.0f});
    net.stat(0).g = core::Tensor({2}, {0.5f, -0.5f});
    ASSERT_TRUE(mkor->Step().ok());
  }
  EXPECT_EQ(net.params().value(0).vec(), w);
  EXPECT_EQ(mkor->rescale_warnings(), 0);
}

TEST(MkorTest, NanGradientReportedAndNothingChanges) {
  TinyNet net({{"fc1", 3, 2, true}, {"fc2", 2, 2, true}}, 1);
  auto mkor = MakeMkor(MkorConfig("sgd", 1), &net);
  std::vector<std::vector<float>> x, t;
  MakeData({{"fc1", 3, 2, true}, {"fc2", 2, 2, true}}, 4, 1, &x, &t);
  net.Backward(x, t, 0, 4, true);
  ASSERT_TRUE(mkor->Step().ok());
  net.Backward(x, t, 0, 4, true);
  ASSERT_TRUE(mkor->Step().ok());
  const std::vector<float> left = mkor->left_inverse(0), w = net.params().value(2).vec();
  net.Backward(x, t, 0, 4, true);
  net.params().grad(3)[1] = std::nanf("");
  absl::Status s = mkor->Step();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("fc2.bias"), std::string::npos) << s.message();
  EXPECT_EQ(mkor->left_inverse(0), left);
  EXPECT_EQ(net.params().value(2).vec(), w);
  EXPECT_EQ(mkor->step_count(), 2);
}

TEST(MkorTest, NanStatisticSkipsThatLayersFactorUpdate) {
  TinyNet net({{"fc1", 2, 2, false}, {"fc2", 2, 2, false}}, 1);
  auto mkor = MakeMkor(MkorConfig("sgd", 1), &net);
  for (int step = 0; step < 2; ++step) {
    net.stat(0).a = core::Tensor({2}, {0.5f, step == 1 ? std::nanf("") : 0.1f});
    net.stat(0).g = core::Tensor({2}, {0.3f, 0.2f});
    net.stat(1).a = core::Tensor({2}, {0.5f, 0.1f});
    net.stat(1).g = core::Tensor({2}, {0.3f, 0.2f});
    ASSERT_TRUE(mkor->Step().ok());
  }
  ExpectNear(mkor->left_inverse(0), {1, 0, 0, 1}, 0);  // skipped
  EXPECT_NE(mkor->left_inverse(1)[0], 1.0f);           // updated
}

TEST(MkorTest, MissingStatisticsIsAnErrorNamingTheLayer) {
  TinyNet net({{"conv1", 2, 2, true}}, 1);
  auto mkor = MakeMkor(MkorConfig("sgd", 1), &net);
  absl::Status s = mkor->Step();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("conv1"), std::string::npos) << s.message();
}

TEST(MkorTest, SaveLoadResumesBitIdentically) {
  const std::vector<LayerSpec> specs = {{"fc1", 3, 4, true}, {"fc2", 4, 2, false}};
  std::vector<std::vector<float>> x, t;
  MakeData(specs, 8, 3, &x, &t);
  proto::OptimizerConfig c = MkorConfig("lamb", 2);
  c.mutable_mkor()->set_factor_dtype("fp16");
  TinyNet a(specs, 5);
  auto full = MakeMkor(c, &a);
  proto::StateProto saved;
  std::vector<std::vector<float>> at_save;
  for (int step = 0; step < 7; ++step) {
    if (step == 3) {
      full->SaveState(&saved);
      for (const auto& p : a.params().params()) at_save.push_back(p.value->vec());
    }
    a.Backward(x, t, 0, 8, full->IsFactorStep(step));
    ASSERT_TRUE(full->Step().ok());
  }
  TinyNet b(specs, 99);
  for (size_t p = 0; p < at_save.size(); ++p) b.params().value(p).vec() = at_save[p];
  auto resumed = MakeMkor(c, &b);
  ASSERT_TRUE(resumed->LoadState(saved).ok());
  for (int step = 3; step < 7; ++step) {
    b.Backward(x, t, 0, 8, resumed->IsFactorStep(step));
    ASSERT_TRUE(resumed->Step().ok());
  }
  for (size_t p = 0; p < at_save.size(); ++p) {
    EXPECT_EQ(a.params().value(p).vec(), b.params().value(p).vec());
  }
}

// factor_form auto keeps the factors as identity plus rank-1 terms (cheap to
// apply); the optimizer must take the same steps as with dense factors, and a
// checkpoint taken in low-rank form must resume bit for bit.
TEST(MkorTest, LowRankFactorsMatchDenseAndResume) {
  const std::vector<LayerSpec> specs = {{"fc1", 40, 30, true}, {"fc2", 30, 3, false}};
  std::vector<std::vector<float>> x, t;
  MakeData(specs, 16, 4, &x, &t);
  for (const std::string base : {"sgd", "lamb"}) {
    proto::OptimizerConfig c = MkorConfig(base, 1);
    c.set_lr(0.01f);
    proto::OptimizerConfig dc = c;
    dc.mutable_mkor()->set_factor_form("dense");
    TinyNet a(specs, 5), b(specs, 5), r(specs, 5);
    auto low = MakeMkor(c, &a);
    auto dense = MakeMkor(dc, &b);
    proto::StateProto saved;
    for (int step = 0; step < 8; ++step) {
      if (step == 5) {
        low->SaveState(&saved);
        for (size_t p = 0; p < a.params().params().size(); ++p) r.params().value(p).vec() = a.params().value(p).vec();
      }
      a.Backward(x, t, 0, 16, true);
      b.Backward(x, t, 0, 16, true);
      ASSERT_TRUE(low->Step().ok());
      ASSERT_TRUE(dense->Step().ok());
    }
    // fc1: R^-1 (41 x 41) and L^-1 (30 x 30) hold 7 terms after 8 factor updates (the first is the reset).
    EXPECT_FALSE(low->right_factor(0).dense());
    EXPECT_EQ(low->right_factor(0).rank(), 7);
    EXPECT_EQ(low->left_factor(0).rank(), 7);
    EXPECT_TRUE(low->left_factor(1).dense());  // 3 x 3: dense after 2 terms
    for (size_t p = 0; p < a.params().params().size(); ++p) {
      const std::vector<float>& got = a.params().value(p).vec();
      const std::vector<float>& want = b.params().value(p).vec();
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << base << " param " << p;
    }
    auto resumed = MakeMkor(c, &r);
    ASSERT_TRUE(resumed->LoadState(saved).ok());
    for (int step = 5; step < 8; ++step) {
      r.Backward(x, t, 0, 16, true);
      ASSERT_TRUE(resumed->Step().ok());
    }
    for (size_t p = 0; p < a.params().params().size(); ++p) {
      EXPECT_EQ(r.params().value(p).vec(), a.params().value(p).vec()) << base << " param " << p;
    }
  }
}

TEST(MkorTest, FactoryRejectsBadMkorFields) {
  proto::OptimizerConfig c = MkorConfig("adam", 0);
  c.mutable_mkor()->set_update_variant("printed");
  absl::Status s = ValidateOptimizerConfig(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("optimizer.mkor.base"), std::string::npos);
  EXPECT_NE(s.message().find("optimizer.mkor.inv_freq"), std::string::npos);
  EXPECT_NE(s.message().find("optimizer.mkor.update_variant"), std::string::npos);
}

}  // namespace
}  // namespace syncline::optim
