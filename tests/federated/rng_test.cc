#include "federated/rng.h"

#include <gtest/gtest.h>

#include "federated/sampling.h"

namespace syncline::federated {
namespace {

// federated-conventions.md T1.
TEST(SplitMix64Test, KnownAnswers) {
  SplitMix64 zero(0);
  EXPECT_EQ(zero.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(zero.Next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(zero.Next(), 0x06c45d188009454fULL);
  EXPECT_EQ(Mix64(42), 0xbdd732262feb6e95ULL);
  SplitMix64 s = Stream(42, StreamTag::kSample, 0);
  EXPECT_EQ(s.Next(), 0x3e4a12d70b0af178ULL);
  EXPECT_EQ(s.Next(), 0x38998fd839085b30ULL);
}

TEST(SplitMix64Test, BelowAndUniformInRange) {
  SplitMix64 r(7);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(r.Below(3), 3u);
    const double u = r.Uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(SplitMix64Test, GammaMeanMatchesShape) {
  for (double a : {0.1, 0.5, 1.0, 3.0}) {
    SplitMix64 r(11);
    double sum = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) sum += r.Gamma(a);
    EXPECT_NEAR(sum / n, a, 0.05 * a + 0.01) << "shape " << a;
  }
}

// federated-conventions.md T2.
TEST(SamplingTest, KnownAnswers) {
  EXPECT_EQ(SampleClients(42, 0, 10, 3), (std::vector<int>{0, 5, 6}));
  EXPECT_EQ(SampleClients(42, 1, 10, 3), (std::vector<int>{1, 4, 5}));
  EXPECT_EQ(SampleClients(42, 2, 10, 3), (std::vector<int>{1, 4, 9}));
  EXPECT_EQ(SampleClients(42, 0, 100, 10),
            (std::vector<int>{0, 4, 13, 34, 36, 59, 61, 64, 71, 86}));
  EXPECT_EQ(SampleClients(42, 1, 100, 10),
            (std::vector<int>{1, 8, 18, 24, 25, 45, 58, 84, 92, 95}));
  EXPECT_EQ(SampleClients(7, 0, 10, 3), (std::vector<int>{1, 4, 9}));
}

TEST(SamplingTest, CountRules) {
  EXPECT_EQ(NumSampled(20, 0.5, 2), 10);
  EXPECT_EQ(NumSampled(10, 0.01, 1), 1);   // C*N < 1: min_clients applies
  EXPECT_EQ(NumSampled(5, 1.0, 10), 5);    // M > N capped
  EXPECT_EQ(SampleClients(1, 3, 4, 4), (std::vector<int>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace syncline::federated
