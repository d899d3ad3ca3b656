// Known answers and invariants of the L-GreCo knapsack (specs/lgreco.md T3, T4).
#include "comm/compress/knapsack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace syncline::comm::compress {
namespace {

const std::vector<std::vector<double>> kErrors = {{5, 2, 1}, {5, 4, 3.5}};
const std::vector<std::vector<int64_t>> kSizes = {{10, 20, 30}, {100, 200, 300}};

TEST(KnapsackTest, T3FixedRoundingFindsExactOptimum) {
  const KnapsackResult r = SolveKnapsack(kErrors, kSizes, {1, 1}, 1.0, 10000, Rounding::kFixed);
  ASSERT_FALSE(r.keep_current);
  EXPECT_EQ(r.choice, (std::vector<int>{2, 0}));
  EXPECT_EQ(r.total_size, 130);
  EXPECT_DOUBLE_EQ(r.total_error, 6.0);
}

TEST(KnapsackTest, T3ReferenceRoundingIsWorseThanUniform) {
  const KnapsackResult r =
      SolveKnapsack(kErrors, kSizes, {1, 1}, 1.0, 10000, Rounding::kReference);
  ASSERT_FALSE(r.keep_current);
  EXPECT_EQ(r.choice, (std::vector<int>{2, 1}));
  EXPECT_EQ(r.total_size, 230);  // larger than uniform's 220
}

TEST(KnapsackTest, T3ReferenceRoundingWithSlack) {
  const KnapsackResult r =
      SolveKnapsack(kErrors, kSizes, {1, 1}, 1.1, 10000, Rounding::kReference);
  ASSERT_FALSE(r.keep_current);
  EXPECT_EQ(r.choice, (std::vector<int>{2, 0}));
}

TEST(KnapsackTest, NonFiniteUniformOrZeroBudgetKeepsCurrent) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(SolveKnapsack({{1, nan}}, {{1, 2}}, {1}, 1.0, 100, Rounding::kFixed).keep_current);
  EXPECT_TRUE(SolveKnapsack({{0, 0}}, {{1, 2}}, {1}, 1.0, 100, Rounding::kFixed).keep_current);
}

TEST(KnapsackTest, NonFiniteCandidateIsNeverChosen) {
  const double inf = std::numeric_limits<double>::infinity();
  const KnapsackResult r =
      SolveKnapsack({{inf, 1.0, 0.5}}, {{1, 10, 20}}, {1}, 1.0, 100, Rounding::kFixed);
  ASSERT_FALSE(r.keep_current);
  EXPECT_EQ(r.choice, (std::vector<int>{1}));
}

TEST(KnapsackTest, IdenticalLayersGiveUniformOrCheaper) {
  std::vector<std::vector<double>> e(6, {4.0, 2.5, 1.5, 1.0});
  std::vector<std::vector<int64_t>> s(6, {10, 20, 30, 40});
  const KnapsackResult r = SolveKnapsack(e, s, std::vector<int>(6, 1), 1.0, 10000, Rounding::kFixed);
  ASSERT_FALSE(r.keep_current);
  EXPECT_LE(r.total_size, 6 * 20);
}

// T4: random instances against brute force.
TEST(KnapsackTest, T4MatchesBruteForceBounds) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> err(0.0, 10.0);
  std::uniform_int_distribution<int> size(1, 100), dims(1, 5);
  const int64_t buckets = 500;
  for (int trial = 0; trial < 300; ++trial) {
    const int layers = dims(gen), cands = dims(gen);
    std::vector<std::vector<double>> e(layers, std::vector<double>(cands));
    std::vector<std::vector<int64_t>> s(layers, std::vector<int64_t>(cands));
    std::vector<int> uniform(layers);
    for (int l = 0; l < layers; ++l) {
      for (int c = 0; c < cands; ++c) {
        e[l][c] = err(gen);
        s[l][c] = size(gen);
      }
      uniform[l] = std::uniform_int_distribution<int>(0, cands - 1)(gen);
    }
    const KnapsackResult r = SolveKnapsack(e, s, uniform, 1.0, buckets, Rounding::kFixed);
    double budget = 0;
    int64_t uniform_size = 0;
    for (int l = 0; l < layers; ++l) {
      budget += e[l][uniform[l]];
      uniform_size += s[l][uniform[l]];
    }
    if (budget == 0) continue;
    ASSERT_FALSE(r.keep_current) << trial;
    const double delta = budget / buckets;
    EXPECT_LE(r.total_size, uniform_size) << trial;
    EXPECT_LE(r.total_error, budget + layers * delta + 1e-9) << trial;
    // Brute force under the tightened budget T - L*delta.
    int64_t best = std::numeric_limits<int64_t>::max();
    std::vector<int> pick(layers, 0);
    while (true) {
      double te = 0;
      int64_t ts = 0;
      for (int l = 0; l < layers; ++l) {
        te += e[l][pick[l]];
        ts += s[l][pick[l]];
      }
      if (te <= budget - layers * delta) best = std::min(best, ts);
      int l = 0;
      while (l < layers && ++pick[l] == cands) pick[l++] = 0;
      if (l == layers) break;
    }
    if (best != std::numeric_limits<int64_t>::max()) {
      EXPECT_LE(r.total_size, best) << trial;
    }
  }
}

}  // namespace
}  // namespace syncline::comm::compress
