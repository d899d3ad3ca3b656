// Exact bytes-sent counts, computed by hand for known layer shapes, for every
// compressor family (specs/lgreco.md section 2 sizes), through the
// GradientCompressor engine and through the DataParallel bucket reducer.
//
// The count is the payload this rank contributes to each collective
// (Communicator: allreduce 4 B/float, allgatherv the message). Layer used
// throughout: weight [64 x 96] (6144 values) and bias [64].
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comm/compress/compressed_bucket_reducer.h"
#include "comm/compress/gradient_compressor.h"
#include "comm/compress/rng.h"
#include "comm/data_parallel.h"
#include "core/model.h"
#include "tests/comm/compress/fake_world.h"
#include "tests/support/world.h"

namespace syncline::comm::compress {
namespace {

using testing::RunFakeWorld;

constexpr int64_t kRows = 64, kCols = 96, kNumel = kRows * kCols;
constexpr int64_t kBiasBytes = 4 * kRows;          // the bias: one plain fp32 allreduce
constexpr int64_t kDenseBytes = 4 * kNumel + kBiasBytes;  // 24832: a warm-up step

struct Case {
  const char* name;
  proto::CompressionConfig config;
  int64_t weight_bytes;  // hand-computed message for the [64 x 96] weight
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  proto::CompressionConfig c;
  c.set_start_step(2);
  c.set_method("fp16");
  cases.push_back({"fp16", c, 2 * kNumel});  // 2 B/value = 12288
  c.set_method("powersgd");
  c.set_powersgd_rank(4);
  cases.push_back({"powersgd r4", c, 4 * 4 * (kRows + kCols)});  // P 64x4 + Q 96x4 fp32 = 2560
  c.set_powersgd_rank(100);  // clamped to min(64, 96) = 64; not compressible (n m < 2 r (n + m))
  c.set_min_compression_rate(0.5);
  cases.push_back({"powersgd r100 -> 64", c, 4 * 64 * (kRows + kCols)});  // 40960
  c.set_min_compression_rate(2.0);
  c.set_method("topk");
  c.set_topk_density(0.01);
  cases.push_back({"topk 1%", c, 8 * 62});  // k = ceil(61.44) = 62 (int32 + fp32) = 496
  c.set_method("qsgd");
  c.set_qsgd_bits(4);
  c.set_qsgd_bucket_size(1024);
  cases.push_back({"qsgd 4b/1024", c, 6144 * 4 / 8 + 8 * 6});  // 3072 packed + 6 (lo, unit) = 3120
  c.set_qsgd_bits(3);
  c.set_qsgd_bucket_size(1000);
  cases.push_back({"qsgd 3b/1000", c, (6144 * 3 + 7) / 8 + 8 * 7});  // 2304 + 56 = 2360
  return cases;
}

std::vector<TensorSpec> Specs() { return {{"fc.weight", {kRows, kCols}}, {"fc.bias", {kRows}}}; }

TEST(ByteCountTest, EveryFamilyMatchesTheHandCount) {
  for (const Case& tc : Cases()) {
    RunFakeWorld(2, [&](Communicator& comm) {
      auto made = GradientCompressor::Create(tc.config, Specs(), &comm);
      ASSERT_TRUE(made.ok()) << tc.name << ": " << made.status();
      GradientCompressor& gc = **made;
      ASSERT_TRUE(gc.IsCompressed(0)) << tc.name;
      ASSERT_FALSE(gc.IsCompressed(1)) << tc.name;
      EXPECT_EQ(gc.family()->WireBytes(kRows, kCols, gc.setting(0)), tc.weight_bytes) << tc.name;
      core::Tensor w({kRows, kCols}), b({kRows});
      std::vector<core::Tensor*> grads = {&w, &b};
      for (int64_t step = 0; step < 5; ++step) {
        Rng rng(StreamSeed(comm.rank(), step));
        for (float& v : w.vec()) v = rng.Gaussian();
        for (float& v : b.vec()) v = rng.Gaussian();
        const int64_t before = gc.bytes_sent(), comm_before = comm.bytes_sent();
        ASSERT_TRUE(gc.Reduce(step, grads).ok()) << tc.name;
        const int64_t expected = step < 2 ? kDenseBytes : tc.weight_bytes + kBiasBytes;
        EXPECT_EQ(gc.bytes_sent() - before, expected) << tc.name << " step " << step;
        EXPECT_EQ(comm.bytes_sent() - comm_before, expected) << tc.name << " step " << step;
      }
      EXPECT_EQ(gc.bytes_sent(), 2 * kDenseBytes + 3 * (tc.weight_bytes + kBiasBytes)) << tc.name;
      // Compressed layers only (the engine's own dense reference).
      EXPECT_EQ(gc.dense_bytes(), 2 * kDenseBytes + 3 * (4 * kNumel + kBiasBytes)) << tc.name;
    });
  }
}

TEST(ByteCountTest, LgrecoAddsOnlyTheSettingsBroadcastOnRankZero) {
  proto::CompressionConfig c = Cases()[1].config;  // PowerSGD rank 4
  c.set_lgreco(true);
  c.set_lgreco_adjust_every(3);
  c.set_lgreco_window(2);
  std::vector<int64_t> total(2);
  std::vector<std::string> settings(2);
  RunFakeWorld(2, [&](Communicator& comm) {
    auto made = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_TRUE(made.ok());
    GradientCompressor& gc = **made;
    core::Tensor w({kRows, kCols}), b({kRows});
    std::vector<core::Tensor*> grads = {&w, &b};
    int64_t expected = 0;
    for (int64_t step = 0; step < 6; ++step) {
      Rng rng(StreamSeed(comm.rank(), step));
      for (float& v : w.vec()) v = rng.Gaussian();
      // Rank of the weight in force at this step (solved at step 5 = 2 + 3).
      if (step == 5 && comm.rank() == 0) expected += 4;  // int32 choice for 1 layer
      const double rank = gc.setting(0);
      ASSERT_TRUE(gc.Reduce(step, grads).ok());
      const double used = step == 5 ? gc.setting(0) : rank;
      expected += step < 2 ? kDenseBytes : 4 * static_cast<int64_t>(used) * (kRows + kCols) + kBiasBytes;
    }
    total[comm.rank()] = gc.bytes_sent() - expected;
    settings[comm.rank()] = gc.SettingsString();
  });
  EXPECT_EQ(total[0], 0);
  EXPECT_EQ(total[1], 0);
  EXPECT_EQ(settings[0], settings[1]);
}

// The DataParallel reducer for a 784-48-32-10 MLP (one bucket), 3 ranks,
// 12 steps, compression from step 3. Plain: 4 B for each of the 39578
// parameters per step. fp16: 2 B per weight value (all three weights are
// matrices), the 90 bias values at 4 B. fp16 cannot beat 2x overall: the
// biases and the warm-up steps are sent at full width.
TEST(ByteCountTest, BucketReducerFp16MatchesTheHandCount) {
  constexpr int64_t kWeights = 48 * 784 + 32 * 48 + 10 * 32;  // 39488
  constexpr int64_t kBiases = 48 + 32 + 10;
  constexpr int64_t kPlainStep = 4 * (kWeights + kBiases);     // 158312
  constexpr int64_t kFp16Step = 2 * kWeights + 4 * kBiases;    // 79336
  proto::CompressionConfig c;
  c.set_method("fp16");
  c.set_start_step(3);
  std::vector<int64_t> bytes(3), dense(3);
  ASSERT_TRUE(syncline::testing::RunWorld(3, [&](Communicator& comm, int rank) {
                proto::ModelConfig mc;
                mc.set_name("mlp");
                mc.add_hidden_sizes(48);
                mc.add_hidden_sizes(32);
                auto model = std::move(*core::BuildModel(mc, {1, 28, 28}, 10, 100));
                DataParallel dp(model.get(), &comm, DataParallelOptions{});
                if (absl::Status s = dp.Start(); !s.ok()) return s;
                auto reducer = CompressedBucketReducer::Create(c, model.get(), &comm);
                if (!reducer.ok()) return reducer.status();
                CompressedBucketReducer* r = reducer->get();
                dp.set_reducer(std::move(*reducer));
                for (int k = 0; k < 12; ++k) {
                  model->ZeroGrad();
                  dp.BeginStep();
                  for (const auto& p : model->Parameters()) p.grad->vec().assign(p.grad->numel(), 0.5f);
                  if (absl::Status s = dp.FinishStep(); !s.ok()) return s;
                }
                bytes[rank] = r->bytes_sent();
                dense[rank] = r->dense_bytes();
                return absl::OkStatus();
              }).ok());
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(bytes[r], 3 * kPlainStep + 9 * kFp16Step) << "rank " << r;
    EXPECT_EQ(dense[r], 12 * kPlainStep) << "rank " << r;
  }
}

}  // namespace
}  // namespace syncline::comm::compress
