// Known answers from specs/lamb.md T9 and T10 plus the simple decays.
#include "optim/schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace syncline::optim {
namespace {

proto::ScheduleConfig Config(const std::string& decay, int warmup) {
  proto::ScheduleConfig c;
  c.set_decay(decay);
  c.set_warmup_steps(warmup);
  return c;
}

TEST(ScheduleTest, NvidiaPtKnownAnswers) {
  proto::ScheduleConfig c = Config("nvidia_pt", 0);
  c.set_warmup_fraction(0.128f);
  LrSchedule s(c, 4e-3f, 1563);
  EXPECT_NEAR(s.LrAtOneBased(1), 1.999360e-5, 1e-10);
  EXPECT_NEAR(s.LrAtOneBased(100), 1.999360e-3, 1e-8);
  EXPECT_NEAR(s.LrAtOneBased(200), 3.998720e-3, 1e-8);
  EXPECT_NEAR(s.LrAtOneBased(201), 3.733955e-3, 1e-8);
  EXPECT_NEAR(s.LrAtOneBased(1000), 2.400682e-3, 1e-8);
  EXPECT_NEAR(s.LrAtOneBased(1562), 1.011767e-4, 1e-9);
}

TEST(ScheduleTest, GoogleBertKnownAnswers) {
  LrSchedule s(Config("google_bert", 3125), 5e-3f, 15625);
  EXPECT_NEAR(s.LrAtOneBased(1000), 1.6e-3, 1e-9);
  EXPECT_NEAR(s.LrAtOneBased(3124), 4.9984e-3, 1e-9);
  EXPECT_NEAR(s.LrAtOneBased(3125), 4.0e-3, 1e-9);
  EXPECT_NEAR(s.LrAtOneBased(10000), 1.8e-3, 1e-9);
  EXPECT_EQ(s.LrAtOneBased(15625), 0.0f);
}

TEST(ScheduleTest, ContinuousPolynomialKnownAnswers) {
  LrSchedule s(Config("polynomial", 3125), 5e-3f, 15625);
  EXPECT_NEAR(s.LrAtOneBased(1000), 1.6e-3, 1e-9);
  EXPECT_NEAR(s.LrAtOneBased(3125), 5.0e-3, 1e-9);
  EXPECT_NEAR(s.LrAtOneBased(10000), 2.25e-3, 1e-9);
  EXPECT_EQ(s.LrAtOneBased(15625), 0.0f);
  // LrAt takes the 0-based step.
  EXPECT_EQ(s.LrAt(9999), s.LrAtOneBased(10000));
}

TEST(ScheduleTest, ConstantStepAndCosine) {
  LrSchedule constant(Config("constant", 4), 0.8f, 100);
  EXPECT_FLOAT_EQ(constant.LrAt(0), 0.2f);
  EXPECT_FLOAT_EQ(constant.LrAt(2), 0.6f);
  EXPECT_FLOAT_EQ(constant.LrAt(3), 0.8f);
  EXPECT_FLOAT_EQ(constant.LrAt(99), 0.8f);

  proto::ScheduleConfig sc = Config("step", 0);
  sc.set_step_size(10);
  sc.set_step_gamma(0.5f);
  LrSchedule step(sc, 1.0f, 100);
  EXPECT_FLOAT_EQ(step.LrAtOneBased(9), 1.0f);
  EXPECT_FLOAT_EQ(step.LrAtOneBased(10), 0.5f);
  EXPECT_FLOAT_EQ(step.LrAtOneBased(25), 0.25f);

  proto::ScheduleConfig cc = Config("cosine", 10);
  cc.set_min_lr(0.1f);
  LrSchedule cosine(cc, 1.1f, 110);
  EXPECT_FLOAT_EQ(cosine.LrAtOneBased(10), 1.1f);
  EXPECT_NEAR(cosine.LrAtOneBased(60), 0.6f, 1e-6);
  EXPECT_NEAR(cosine.LrAtOneBased(110), 0.1f, 1e-7);
}

TEST(ScheduleTest, ValidationNamesFields) {
  proto::ScheduleConfig c = Config("exponential", -1);
  absl::Status s = ValidateScheduleConfig(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("schedule.decay"), std::string::npos);
  EXPECT_NE(s.message().find("schedule.warmup_steps"), std::string::npos);
}

TEST(ScalingTest, SqrtAndLinearKnownAnswers) {
  proto::OptimizerConfig c;
  c.set_name("lamb");
  c.set_lr(6.25e-4f);
  c.set_lr_reference_batch(512);
  c.set_lr_scaling("sqrt");
  EXPECT_NEAR(*ScaledBaseLr(c, 32768), 5e-3, 1e-9);
  EXPECT_NEAR(*ScaledBaseLr(c, 1024), 8.838835e-4, 1e-9);
  EXPECT_NEAR(*ScaledBaseLr(c, 8192), 2.5e-3, 1e-9);
  c.set_lr_scaling("auto");
  EXPECT_NEAR(*ScaledBaseLr(c, 8192), 2.5e-3, 1e-9);

  proto::OptimizerConfig s;
  s.set_name("sgd");
  s.set_lr(0.1f);
  s.set_lr_reference_batch(256);
  s.set_lr_scaling("linear");
  EXPECT_NEAR(*ScaledBaseLr(s, 8192), 3.2, 1e-6);
  s.set_lr_scaling("auto");
  EXPECT_NEAR(*ScaledBaseLr(s, 8192), 3.2, 1e-6);
  s.set_lr_scaling("none");
  EXPECT_FLOAT_EQ(*ScaledBaseLr(s, 8192), 0.1f);
  s.set_lr_scaling("cubic");
  EXPECT_FALSE(ScaledBaseLr(s, 8192).ok());
}

}  // namespace
}  // namespace syncline::optim
