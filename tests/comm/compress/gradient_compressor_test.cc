// GradientCompressor: schedule, agreement across ranks, byte counts, state.
#include "comm/compress/gradient_compressor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "comm/compress/lgreco.h"
#include "comm/compress/rank_state.h"
#include "comm/compress/rng.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/comm/compress/fake_world.h"

namespace syncline::comm::compress {
namespace {

using testing::RunFakeWorld;

std::vector<TensorSpec> Specs() {
  return {{"fc1.weight", {32, 24}}, {"fc1.bias", {32}}, {"fc2.weight", {16, 32}},
          {"fc2.bias", {16}},       {"fc3.weight", {10, 16}}};
}

struct Grads {
  std::vector<core::Tensor> tensors;
  std::vector<core::Tensor*> ptrs;
  explicit Grads(const std::vector<TensorSpec>& specs) {
    for (const TensorSpec& s : specs) tensors.emplace_back(s.shape);
    for (core::Tensor& t : tensors) ptrs.push_back(&t);
  }
  // Layer-dependent scale so the layers differ in importance.
  void Fill(uint64_t seed, float scale = 1.0f) {
    Rng rng(seed);
    for (size_t i = 0; i < tensors.size(); ++i) {
      for (float& v : tensors[i].vec()) v = scale * (1.0f + 3.0f * i) * rng.Gaussian();
    }
  }
};

proto::CompressionConfig LgrecoConfig(const std::string& method) {
  proto::CompressionConfig c;
  c.set_method(method);
  c.set_lgreco(true);
  c.set_start_step(2);
  c.set_lgreco_adjust_every(5);
  c.set_lgreco_window(3);
  c.set_powersgd_rank(2);
  c.set_topk_density(0.05);
  c.set_qsgd_bucket_size(64);
  return c;
}

TEST(GradientCompressorTest, RejectsBadConfigNamingTheField) {
  proto::CompressionConfig c;
  c.set_method("zip");
  RunFakeWorld(1, [&](Communicator& comm) {
    auto gc = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_FALSE(gc.ok());
    EXPECT_NE(gc.status().message().find("compression.method"), std::string::npos);
  });
  c.set_method("fp16");
  c.set_lgreco(true);
  EXPECT_NE(ValidateCompressionConfig(c).message().find("compression.lgreco"), std::string::npos);
  c = LgrecoConfig("powersgd");
  c.set_start_step(1);
  EXPECT_NE(ValidateCompressionConfig(c).message().find("compression.start_step"),
            std::string::npos);
}

// start_step 0 (the default) = auto: 5 % of the run, at least 2; the engine
// itself refuses an unresolved 0.
TEST(GradientCompressorTest, AutoStartStepIsAFractionOfTheRun) {
  proto::CompressionConfig c;
  c.set_method("powersgd");
  EXPECT_EQ(c.start_step(), 0);
  EXPECT_TRUE(ValidateCompressionConfig(c).ok());
  EXPECT_EQ(ResolveStartStep(c, 2000), 100);
  EXPECT_EQ(ResolveStartStep(c, 2001), 101);
  EXPECT_EQ(ResolveStartStep(c, 10), 2);
  c.set_start_fraction(0.25);
  EXPECT_EQ(ResolveStartStep(c, 468), 117);
  c.set_start_step(7);
  EXPECT_EQ(ResolveStartStep(c, 2000), 7);
  c.set_start_fraction(1.0);
  EXPECT_NE(ValidateCompressionConfig(c).message().find("compression.start_fraction"),
            std::string::npos);
  c.set_start_fraction(0.05);
  c.set_start_step(0);
  RunFakeWorld(2, [&](Communicator& comm) {
    auto gc = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_FALSE(gc.ok());
    EXPECT_NE(gc.status().message().find("compression.start_step"), std::string::npos);
  });
}

TEST(GradientCompressorTest, BiasesStayUncompressed) {
  RunFakeWorld(2, [](Communicator& comm) {
    auto gc = GradientCompressor::Create(LgrecoConfig("powersgd"), Specs(), &comm);
    ASSERT_TRUE(gc.ok());
    EXPECT_TRUE((*gc)->IsCompressed(0));
    EXPECT_FALSE((*gc)->IsCompressed(1));
    EXPECT_FALSE((*gc)->IsCompressed(3));
    // 10 x 16 at rank 2: 160 > 2 * 2 * 26 = 104, so compressible.
    EXPECT_TRUE((*gc)->IsCompressed(4));
  });
}

// No compression before t_start; solves exactly at t_start + kF; every rank
// holds rank 0's choice; all ranks end with bit-identical averaged gradients.
TEST(GradientCompressorTest, ScheduleAndAgreementAcrossRanks) {
  for (const char* method : {"powersgd", "topk", "qsgd"}) {
    std::vector<std::string> settings(3);
    std::vector<std::vector<float>> final_grad(3);
    std::vector<int> changes(3, 0);
    RunFakeWorld(3, [&](Communicator& comm) {
      auto made = GradientCompressor::Create(LgrecoConfig(method), Specs(), &comm);
      ASSERT_TRUE(made.ok());
      GradientCompressor& gc = **made;
      Grads g(Specs());
      for (int64_t step = 0; step < 18; ++step) {
        g.Fill(StreamSeed(comm.rank(), step));
        const int64_t before = gc.bytes_sent();
        ASSERT_TRUE(gc.Reduce(step, g.ptrs).ok());
        const int64_t sent = gc.bytes_sent() - before;
        if (step < 2) {
          EXPECT_EQ(sent, 4 * (32 * 24 + 32 + 16 * 32 + 16 + 10 * 16)) << method;
        } else {
          EXPECT_LT(sent, 4 * (32 * 24 + 16 * 32)) << method << " " << step;
        }
        for (const SettingChange& ch : gc.TakeSettingChanges()) {
          ++changes[comm.rank()];
          EXPECT_TRUE(ch.step == 7 || ch.step == 12 || ch.step == 17) << method << " " << ch.step;
        }
      }
      settings[comm.rank()] = gc.SettingsString();
      final_grad[comm.rank()] = g.tensors[0].vec();
    });
    EXPECT_GT(changes[0], 0) << method << ": L-GreCo never changed a setting";
    EXPECT_EQ(changes[0], changes[1]) << method;
    EXPECT_EQ(settings[0], settings[1]) << method;
    EXPECT_EQ(settings[0], settings[2]) << method;
    std::cout << method << ": " << settings[0] << "\n";
    EXPECT_EQ(final_grad[0], final_grad[1]) << method;
    EXPECT_EQ(final_grad[0], final_grad[2]) << method;
  }
}

// A covers exactly the W steps before each solve: with Top-K at density 1
// (residual always 0, so M = G) A = delta / W * (sum of G over the window).
TEST(GradientCompressorTest, AccumulatorCoversExactlyTheWindow) {
  proto::CompressionConfig c = LgrecoConfig("topk");
  c.set_topk_density(1.0);
  c.set_lgreco_topk_density_max(1.0);
  c.set_lgreco_topk_density_step(0.25);
  c.set_lgreco_topk_density_min(0.25);
  c.set_single_rank_test(true);
  c.set_min_compression_rate(0.0);  // density 1 would fail the compressibility test
  RunFakeWorld(1, [&](Communicator& comm) {
    auto gc = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_TRUE(gc.ok());
    Grads g(Specs());
    std::vector<double> window_sum(32 * 24, 0.0);
    for (int64_t step = 0; step < 7; ++step) {  // t_start 2, F 5, W 3: window = steps 4, 5, 6
      g.Fill(StreamSeed(9, step));
      if (step >= 4) {
        for (int i = 0; i < 32 * 24; ++i) window_sum[i] += g.tensors[0][i];
      }
      ASSERT_TRUE((*gc)->Reduce(step, g.ptrs).ok());
      proto::StateProto state;
      (*gc)->SaveState(&state);
      bool has_accum = false;
      for (const auto& t : state.tensors()) {
        if (t.name() != "lgreco_accum/fc1.weight") continue;
        has_accum = true;
        if (step == 6) {
          const float* a = reinterpret_cast<const float*>(t.data().data());
          for (int i = 0; i < 32 * 24; ++i) EXPECT_NEAR(a[i], 0.01 / 3 * window_sum[i], 1e-6);
        }
      }
      EXPECT_EQ(has_accum, step >= 4) << step;
    }
  });
}

// Scaling every gradient by a power of two (exact in fp32) leaves the choice unchanged.
TEST(GradientCompressorTest, ScalingGradientsKeepsChoice) {
  for (const char* method : {"powersgd", "topk", "qsgd"}) {
    std::vector<std::string> settings;
    for (float scale : {1.0f, 8.0f}) {
      RunFakeWorld(1, [&](Communicator& comm) {
        proto::CompressionConfig c = LgrecoConfig(method);
        c.set_single_rank_test(true);
        auto gc = GradientCompressor::Create(c, Specs(), &comm);
        ASSERT_TRUE(gc.ok());
        Grads g(Specs());
        for (int64_t step = 0; step < 8; ++step) {
          g.Fill(StreamSeed(4, step), scale);
          ASSERT_TRUE((*gc)->Reduce(step, g.ptrs).ok());
        }
        settings.push_back((*gc)->SettingsString());
      });
    }
    EXPECT_EQ(settings[0], settings[1]) << method;
  }
}

// Save after some steps, restore into a fresh object, continue: bit-identical.
TEST(GradientCompressorTest, StateRoundTripContinuesBitForBit) {
  for (const char* method : {"powersgd", "topk", "qsgd", "fp16"}) {
    std::vector<std::vector<float>> runs[2];
    for (int run = 0; run < 2; ++run) {
      RunFakeWorld(2, [&](Communicator& comm) {
        proto::CompressionConfig c = LgrecoConfig(method);
        if (std::string(method) == "fp16") c.set_lgreco(false);
        auto gc = GradientCompressor::Create(c, Specs(), &comm);
        ASSERT_TRUE(gc.ok());
        Grads g(Specs());
        for (int64_t step = 0; step < 16; ++step) {
          if (run == 1 && step == 9) {  // checkpoint and resume mid-window
            proto::StateProto state;
            (*gc)->SaveState(&state);
            gc = GradientCompressor::Create(c, Specs(), &comm);
            ASSERT_TRUE(gc.ok());
            ASSERT_TRUE((*gc)->LoadState(state).ok());
          }
          g.Fill(StreamSeed(comm.rank(), step));
          ASSERT_TRUE((*gc)->Reduce(step, g.ptrs).ok());
        }
        if (comm.rank() == 0) {
          for (const core::Tensor& t : g.tensors) runs[run].push_back(t.vec());
        }
      });
    }
    EXPECT_EQ(runs[0], runs[1]) << method;
  }
}

// Rank-prefixed gather: each rank gets its own residuals back; wrong world size refused.
TEST(GradientCompressorTest, GatheredRankStatesRestorePerRank) {
  std::vector<proto::StateProto> combined(2), own(2);
  RunFakeWorld(2, [&](Communicator& comm) {
    auto gc = GradientCompressor::Create(LgrecoConfig("topk"), Specs(), &comm);
    ASSERT_TRUE(gc.ok());
    Grads g(Specs());
    for (int64_t step = 0; step < 4; ++step) {
      g.Fill(StreamSeed(comm.rank(), step));
      ASSERT_TRUE((*gc)->Reduce(step, g.ptrs).ok());
    }
    (*gc)->SaveState(&own[comm.rank()]);
    ASSERT_TRUE(GatherRankStates(**gc, comm, &combined[comm.rank()]).ok());
    auto fresh = GradientCompressor::Create(LgrecoConfig("topk"), Specs(), &comm);
    ASSERT_TRUE(fresh.ok());
    ASSERT_TRUE(LoadRankState(combined[comm.rank()], comm.rank(), 2, fresh->get()).ok());
    proto::StateProto back;
    (*fresh)->SaveState(&back);
    google::protobuf::util::MessageDifferencer diff;
    std::string report;
    diff.ReportDifferencesToString(&report);
    EXPECT_TRUE(diff.Compare(back, own[comm.rank()])) << report.substr(0, 300);
    EXPECT_EQ((*fresh)->next_step(), 4);
    EXPECT_FALSE(LoadRankState(combined[comm.rank()], comm.rank(), 3, fresh->get()).ok());
  });
  EXPECT_FALSE(google::protobuf::util::MessageDifferencer::Equals(own[0], own[1]));
}

TEST(GradientCompressorTest, LoadStateRejectsOtherMethod) {
  RunFakeWorld(1, [](Communicator& comm) {
    proto::CompressionConfig c = LgrecoConfig("topk");
    c.set_single_rank_test(true);
    auto gc = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_TRUE(gc.ok());
    proto::StateProto state;
    (*gc)->SaveState(&state);
    c.set_method("qsgd");
    auto other = GradientCompressor::Create(c, Specs(), &comm);
    ASSERT_TRUE(other.ok());
    const absl::Status s = (*other)->LoadState(state);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("topk"), std::string::npos);
  });
}

}  // namespace
}  // namespace syncline::comm::compress
