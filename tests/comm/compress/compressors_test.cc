// Known answers (specs/lgreco.md T1, T2, T5, T6) and invariants of each compressor.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "comm/compress/fp16.h"
#include "comm/compress/linalg.h"
#include "comm/compress/powersgd.h"
#include "comm/compress/qsgd.h"
#include "comm/compress/rng.h"
#include "comm/compress/topk.h"
#include "tests/comm/compress/fake_world.h"

namespace syncline::comm::compress {
namespace {

using testing::RunFakeWorld;

proto::CompressionConfig Config() {
  proto::CompressionConfig c;
  c.set_qsgd_bucket_size(4);
  return c;
}

// One Reduce of a single layer; returns avg, leaves the residual in m.
std::vector<float> ReduceOne(Compressor& family, Communicator& comm, std::vector<float>& m,
                             int64_t rows, int64_t cols, double setting, int64_t step = 0) {
  std::vector<float> avg(m.size());
  std::vector<LayerStep> batch = {{0, rows, cols, setting, m.data(), avg.data()}};
  EXPECT_TRUE(family.Reduce(step, batch, comm).ok());
  return avg;
}

TEST(PowerSgdTest, T1SvdErrorTable) {
  proto::CompressionConfig c = Config();
  c.set_lgreco_error_method("svd");
  PowerSgdCompressor family(c);
  const std::vector<float> a = {3, 0, 0, 0, 2, 0, 0, 0, 1};
  const std::vector<double> sigma = SingularValues(a.data(), 3, 3);
  EXPECT_NEAR(sigma[0], 3, 1e-9);
  const std::vector<double> e = family.Errors(a.data(), 3, 3, {1, 2, 3}, 0);
  EXPECT_NEAR(e[0], std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(e[1], 1.0, 1e-6);
  EXPECT_NEAR(e[2], 0.0, 1e-6);
  EXPECT_NEAR(FrobeniusNorm(a.data(), 9), 3.741657, 1e-6);  // e(0)
}

// Non-square both ways (Gram of either side) and a 512 x 784 matrix with
// known singular values 1..8 on rotated axes, fast (LAPACK) and exact.
TEST(PowerSgdTest, SingularValuesOfRectangularMatrices) {
  const std::vector<float> tall = {0, 3, 2, 0, 0, 0};  // 3 x 2
  std::vector<double> s = SingularValues(tall.data(), 3, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NEAR(s[0], 3, 1e-9);
  EXPECT_NEAR(s[1], 2, 1e-9);
  s = SingularValues(tall.data(), 2, 3);  // the same values read as 2 x 3: [[0,3,2],[0,0,0]]
  EXPECT_NEAR(s[0], std::sqrt(13.0), 1e-9);
  EXPECT_NEAR(s[1], 0, 1e-6);
  // A = sum_i i * u_i v_i^T with u_i, v_i Hadamard-like orthogonal sign vectors / sqrt(n).
  const int64_t rows = 512, cols = 784;
  std::vector<float> a(rows * cols, 0.0f);
  for (int i = 1; i <= 8; ++i) {
    for (int64_t r = 0; r < rows; ++r) {
      const float u = (__builtin_popcountll(r & i) % 2 ? -1.0f : 1.0f) / std::sqrt(512.0f);
      for (int64_t c = 0; c < 512; ++c) {  // v_i lives in the first 512 columns
        const float v = (__builtin_popcountll(c & (i + 8)) % 2 ? -1.0f : 1.0f) / std::sqrt(512.0f);
        a[r * cols + c] += static_cast<float>(i) * u * v;
      }
    }
  }
  s = SingularValues(a.data(), rows, cols);
  ASSERT_EQ(s.size(), 512u);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(s[i], 8 - i, 1e-4) << i;
  EXPECT_NEAR(s[8], 0, 1e-3);
}

TEST(PowerSgdTest, T2OneRank) {
  RunFakeWorld(1, [](Communicator& comm) {
    PowerSgdCompressor family(Config());
    family.SetQ(0, core::Tensor({2, 1}, std::vector<float>{1, 1}));
    std::vector<float> m = {3, 0, 0, 1};
    const std::vector<float> avg = ReduceOne(family, comm, m, 2, 2, 1);
    const std::vector<float> want_avg = {2.7f, 0.3f, 0.9f, 0.1f}, want_e = {0.3f, -0.3f, -0.9f, 0.9f};
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(avg[i], want_avg[i], 1e-5);
      EXPECT_NEAR(m[i], want_e[i], 1e-5);
    }
    EXPECT_NEAR(FrobeniusNorm(m.data(), 4), 1.341641, 1e-5);
  });
}

TEST(PowerSgdTest, T2TwoRanks) {
  RunFakeWorld(2, [](Communicator& comm) {
    PowerSgdCompressor family(Config());
    family.SetQ(0, core::Tensor({2, 1}, std::vector<float>{1, 1}));
    std::vector<float> m = comm.rank() == 0 ? std::vector<float>{3, 0, 0, 1}
                                            : std::vector<float>{1, 0, 0, 1};
    const std::vector<float> avg = ReduceOne(family, comm, m, 2, 2, 1);
    const std::vector<float> want_avg = {1.6f, 0.4f, 0.8f, 0.2f};
    const std::vector<float> want_e = comm.rank() == 0 ? std::vector<float>{1.4f, -0.4f, -0.8f, 0.8f}
                                                       : std::vector<float>{-0.6f, -0.4f, -0.8f, 0.8f};
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(avg[i], want_avg[i], 1e-5);
      EXPECT_NEAR(m[i], want_e[i], 1e-5);
    }
  });
}

TEST(PowerSgdTest, ExactOnRankRMatrixAfterWarmStart) {
  // M = U V^T with rank 3; rank-3 PowerSGD with a random Q recovers it exactly.
  const int64_t n = 12, m = 9, r = 3;
  Rng rng(5);
  std::vector<float> u(n * r), v(m * r), a(n * m);
  for (float& x : u) x = rng.Gaussian();
  for (float& x : v) x = rng.Gaussian();
  MatMulTransB(u.data(), v.data(), a.data(), n, r, m);
  RunFakeWorld(1, [&](Communicator& comm) {
    PowerSgdCompressor family(Config());
    std::vector<float> mm = a;
    const std::vector<float> avg = ReduceOne(family, comm, mm, n, m, r);
    const double scale = FrobeniusNorm(a.data(), n * m);
    EXPECT_LT(FrobeniusDistance(avg.data(), a.data(), n * m), 1e-5 * scale);
    EXPECT_LT(FrobeniusNorm(mm.data(), n * m), 1e-5 * scale);
  });
}

TEST(PowerSgdTest, ZeroLayerGivesZeroWithoutNan) {
  RunFakeWorld(1, [](Communicator& comm) {
    PowerSgdCompressor family(Config());
    std::vector<float> m(20, 0.0f);
    const std::vector<float> avg = ReduceOne(family, comm, m, 4, 5, 2);
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(avg[i], 0.0f);
      EXPECT_EQ(m[i], 0.0f);
    }
  });
}

TEST(TopKTest, T5KnownAnswer) {
  TopKCompressor family;
  const std::vector<float> v = {3, -4, 1, 0.5};
  EXPECT_EQ(family.WireBytes(1, 4, 0.5), 16);
  EXPECT_NEAR(family.Errors(v.data(), 1, 4, {0.5}, 0)[0], 1.118034, 1e-6);
  RunFakeWorld(1, [&](Communicator& comm) {
    std::vector<float> m = v;
    const std::vector<float> avg = ReduceOne(family, comm, m, 1, 4, 0.5);
    EXPECT_EQ(avg, (std::vector<float>{3, -4, 0, 0}));
    EXPECT_EQ(m, (std::vector<float>{0, 0, 1, 0.5}));  // residual = the dropped entries
  });
}

TEST(TopKTest, TiesGoToLowerIndex) {
  const std::vector<float> v = {1, -2, 2, 1};
  EXPECT_EQ(TopKCompressor::Select(v.data(), 4, 1), (std::vector<int32_t>{1}));
  EXPECT_EQ(TopKCompressor::Select(v.data(), 4, 3), (std::vector<int32_t>{0, 1, 2}));
}

TEST(TopKTest, DensityOneEqualsPlainAverage) {
  RunFakeWorld(3, [](Communicator& comm) {
    TopKCompressor family;
    Rng rng(100 + comm.rank());
    std::vector<float> g(30);
    for (float& x : g) x = rng.Gaussian();
    std::vector<float> plain = g;
    ASSERT_TRUE(comm.Allreduce(plain.data(), 30).ok());
    std::vector<float> m = g;
    const std::vector<float> avg = ReduceOne(family, comm, m, 5, 6, 1.0);
    for (int i = 0; i < 30; ++i) {
      EXPECT_FLOAT_EQ(avg[i], plain[i] / 3.0f);
      EXPECT_EQ(m[i], 0.0f);
    }
  });
}

TEST(QsgdTest, T6LevelsAndExpectedError) {
  const std::vector<float> x = {0.0f, 0.5f, 1.0f};
  EXPECT_NEAR(QsgdCompressor::ExpectedError(x.data(), 3, 2, 3), 1.0 / 6.0, 1e-6);
  EXPECT_NEAR(QsgdCompressor::ExpectedError(x.data(), 3, 3, 3), 0.071429, 1e-6);
  int twos = 0;
  const int draws = 2000;
  for (int s = 0; s < draws; ++s) {
    std::vector<uint8_t> msg(QsgdCompressor::MessageBytes(3, 2, 3));
    std::vector<float> decoded(3), acc(3, 0.0f);
    QsgdCompressor::Encode(x.data(), 3, 2, 3, StreamSeed(1, s), msg.data(), decoded.data());
    QsgdCompressor::DecodeAdd(msg.data(), 3, 2, 3, acc.data());
    EXPECT_EQ(acc, decoded);
    EXPECT_EQ(decoded[0], 0.0f);
    EXPECT_NEAR(decoded[2], 1.0f, 1e-6);
    EXPECT_TRUE(std::fabs(decoded[1] - 1.0f / 3) < 1e-6 || std::fabs(decoded[1] - 2.0f / 3) < 1e-6);
    twos += decoded[1] > 0.5f;
  }
  EXPECT_NEAR(twos / static_cast<double>(draws), 0.5, 0.05);
}

TEST(QsgdTest, ConstantBucketDecodesExactly) {
  const std::vector<float> x = {0.25f, 0.25f, 0.25f, 0.25f, -3.0f};
  std::vector<uint8_t> msg(QsgdCompressor::MessageBytes(5, 3, 4));
  std::vector<float> decoded(5);
  QsgdCompressor::Encode(x.data(), 5, 3, 4, 9, msg.data(), decoded.data());
  EXPECT_EQ(decoded, x);
  EXPECT_EQ(msg.size(), static_cast<size_t>((5 * 3 + 7) / 8 + 8 * 2));
}

TEST(QsgdTest, UnbiasedOverManyDraws) {
  const std::vector<float> x = {-1.0f, 0.1f, 0.37f, 0.9f, 2.0f, -0.45f};
  const int draws = 100000;
  std::vector<double> sum(6, 0.0);
  std::vector<uint8_t> msg(QsgdCompressor::MessageBytes(6, 2, 6));
  std::vector<float> decoded(6);
  for (int s = 0; s < draws; ++s) {
    QsgdCompressor::Encode(x.data(), 6, 2, 6, StreamSeed(3, s), msg.data(), decoded.data());
    for (int i = 0; i < 6; ++i) sum[i] += decoded[i];
  }
  const double unit = 3.0 / 3;  // (hi - lo) / (2^2 - 1)
  for (int i = 0; i < 6; ++i) {
    const double sigma = unit * 0.5 / std::sqrt(static_cast<double>(draws));  // sd <= unit / 2
    EXPECT_NEAR(sum[i] / draws, x[i], 3 * sigma) << i;
  }
}

TEST(QsgdTest, ThirtyTwoBitsEqualsPlainAverage) {
  RunFakeWorld(2, [](Communicator& comm) {
    QsgdCompressor family(Config());
    Rng rng(7 + comm.rank());
    std::vector<float> g(24);
    for (float& x : g) x = rng.Gaussian();
    std::vector<float> plain = g;
    ASSERT_TRUE(comm.Allreduce(plain.data(), 24).ok());
    std::vector<float> m = g;
    const std::vector<float> avg = ReduceOne(family, comm, m, 4, 6, 32);
    for (int i = 0; i < 24; ++i) {
      EXPECT_FLOAT_EQ(avg[i], plain[i] / 2.0f);
      EXPECT_EQ(m[i], 0.0f);
    }
  });
}

TEST(Fp16Test, HalfConversionKnownValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(1e9f), 0x7bff);  // clamped, never inf
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(HalfToFloat(FloatToHalf(0.1f)), 0.0999755859375f);
  for (uint16_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(FloatToHalf(HalfToFloat(h)), h);
}

// Telescoping identity (section 3): sum of Ĝ_t + e_T = sum of G_t, with Ĝ what
// was actually sent: the averaged M̂ for PowerSGD (checked at 3 ranks), this
// rank's decoded message for the others (observable as avg at world size 1).
class EfTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EfTest, TelescopingIdentityPerRank) {
  const std::string method = GetParam();
  RunFakeWorld(method == "powersgd" ? 3 : 1, [&](Communicator& comm) {
    proto::CompressionConfig c = Config();
    c.set_method(method);
    auto family = CreateCompressor(c);
    ASSERT_TRUE(family.ok());
    const double setting = method == "powersgd" ? 2 : method == "topk" ? 0.2 : 3;
    const int64_t rows = 6, cols = 5, n = rows * cols;
    Rng rng(11 + comm.rank());
    std::vector<double> sum_g(n, 0.0), sum_sent(n, 0.0);
    std::vector<float> e(n, 0.0f);
    for (int step = 0; step < 20; ++step) {
      std::vector<float> m(n);
      for (int64_t i = 0; i < n; ++i) {
        const float g = rng.Gaussian();
        sum_g[i] += g;
        m[i] = g + e[i];
      }
      const std::vector<float> avg = ReduceOne(**family, comm, m, rows, cols, setting, step);
      for (int64_t i = 0; i < n; ++i) sum_sent[i] += avg[i];
      e = m;
    }
    double sent_norm = 0;
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NEAR(sum_sent[i] + e[i], sum_g[i], 1e-4) << i;
      sent_norm += sum_sent[i] * sum_sent[i];
    }
    EXPECT_GT(sent_norm, 1.0);  // something was actually sent
  });
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, EfTest, ::testing::Values("fp16", "powersgd", "topk", "qsgd"));

}  // namespace
}  // namespace syncline::comm::compress
