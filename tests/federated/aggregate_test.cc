#include "federated/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace syncline::federated {
namespace {

using testing::At;
using testing::Vec;

ClientUpdate U(int id, int64_t n, std::vector<float> v) {
  ClientUpdate u;
  u.client_id = id;
  u.num_examples = n;
  u.delta = Vec(std::move(v));
  return u;
}

// federated-conventions.md T5.
TEST(AggregateTest, WeightingKnownAnswers) {
  std::vector<ClientUpdate> ups = {U(1, 3, {4.0f}), U(0, 1, {8.0f})};
  auto w = Aggregate(ups, Weighting::kNumExamples);
  ASSERT_TRUE(w.has_value());
  EXPECT_DOUBLE_EQ(At(*w, 0), 0.25 * 8 + 0.75 * 4);
  auto u = Aggregate(ups, Weighting::kUniform);
  EXPECT_DOUBLE_EQ(At(*u, 0), 6.0);
}

TEST(AggregateTest, FailuresRenormaliseAndSkip) {
  std::vector<ClientUpdate> one = {U(0, 1, {8.0f})};
  EXPECT_DOUBLE_EQ(At(*Aggregate(one, Weighting::kNumExamples), 0), 8.0);
  EXPECT_FALSE(Aggregate({}, Weighting::kUniform).has_value());
  std::vector<ClientUpdate> zero = {U(0, 0, {8.0f}), U(1, 0, {2.0f})};
  EXPECT_FALSE(Aggregate(zero, Weighting::kUniform).has_value());
  // n = 0 weighs 0 even under uniform weighting.
  std::vector<ClientUpdate> mixed = {U(0, 0, {8.0f}), U(1, 5, {2.0f})};
  EXPECT_DOUBLE_EQ(At(*Aggregate(mixed, Weighting::kUniform), 0), 2.0);
  std::vector<ClientUpdate> inf = {U(0, 1, {3e38f}), U(1, 1, {3e38f})};
  EXPECT_TRUE(Aggregate(inf, Weighting::kNumExamples).has_value());  // fp64 sum stays finite
}

// T8: identical clients aggregate to each client; order of arrival is irrelevant.
TEST(AggregateTest, IdenticalClientsAndOrderIndependence) {
  std::vector<ClientUpdate> same = {U(2, 7, {0.1f, -0.3f}), U(0, 2, {0.1f, -0.3f}),
                                    U(1, 9, {0.1f, -0.3f})};
  auto w = Aggregate(same, Weighting::kNumExamples);
  EXPECT_FLOAT_EQ(At(*w, 0), 0.1f);
  EXPECT_FLOAT_EQ(At(*w, 1), -0.3f);
  std::vector<ClientUpdate> a = {U(0, 3, {0.1f}), U(1, 5, {0.7f}), U(2, 11, {-0.2f})};
  std::vector<ClientUpdate> b = {a[2], a[0], a[1]};
  EXPECT_EQ(WeightsHash(*Aggregate(a, Weighting::kNumExamples)),
            WeightsHash(*Aggregate(b, Weighting::kNumExamples)));
}

TEST(AggregateTest, WeightedMetric) {
  std::vector<ClientUpdate> ups = {U(0, 1, {0}), U(1, 3, {0})};
  ups[0].metrics["loss"] = 2.0;
  ups[1].metrics["loss"] = 1.0;
  EXPECT_DOUBLE_EQ(*WeightedMetric(ups, "loss"), 1.25);
  EXPECT_FALSE(WeightedMetric(ups, "nope").has_value());
}

}  // namespace
}  // namespace syncline::federated
