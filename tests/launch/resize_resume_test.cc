// Checkpoints saved at one world size resume at another (real mpirun ranks,
// label mpi):
//  - train.world_batch_size fixes the global batch, so a run saved at 2 ranks
//    and resumed at 1 continues exactly like the uninterrupted 1-rank run
//    (same per-step losses within float tolerance);
//  - with a fixed per-rank batch, a run saved at 1 rank part-way through an
//    epoch (at an example count that is not a multiple of the 2-rank global
//    batch) and resumed at 2 ranks finishes that epoch after exactly the
//    remaining examples;
//  - a world_batch_size the world size does not divide is an error naming it.

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/run_binary.h"
#include "tests/support/temp_dir.h"

namespace syncline::testing {
namespace {

using ::testing::HasSubstr;

// 480 synthetic examples; plain SGD so the loss depends only on parameters
// and the batch.
constexpr char kConfig[] = R"(
model { name: "mlp" hidden_sizes: [32] }
data { name: "synthetic" synthetic_train_size: 480 synthetic_test_size: 64 }
optimizer { name: "sgd" lr: 0.1 }
train { epochs: 2 batch_size: 48 log_every: 1 threads: 1 seed: 5 }
logging { progress: "off" }
comm { backend: "auto" timeout_s: 60 }
)";

struct StepRecord {
  double loss = 0;
  int epoch = 0;
};

std::map<int, StepRecord> Steps(const std::string& metrics) {
  std::map<int, StepRecord> out;
  for (const std::string& line : ReadLines(metrics)) {
    if (JsonValue(line, "kind") != "\"train\"") continue;
    out[std::stoi(JsonValue(line, "step"))] = {std::stod(JsonValue(line, "loss")),
                                               std::stoi(JsonValue(line, "epoch"))};
  }
  return out;
}

std::string Checkpoint(const std::string& dir, int step) {
  char name[64];
  std::snprintf(name, sizeof(name), "/ckpt-%010d.pb", step);
  return dir + name;
}

TEST(ResizeResumeTest, WorldBatchSizeSavedAtTwoRanksResumesAtOneLikeAnUnbrokenRun) {
  TempDir dir;
  const std::string config = dir.File("run.textproto");
  WriteFile(config, kConfig);
  const std::vector<std::string> common = {"train", "--config", config, "--set",
                                           "train.world_batch_size=96"};
  auto args = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  BinaryResult one = RunSynclineRanks(1, args({"--metrics", dir.File("one.jsonl")}), dir.path());
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_THAT(one.out, HasSubstr("5 steps of 96"));  // 480 / 96, per-rank batch derived
  BinaryResult two = RunSynclineRanks(2, args({"--metrics", dir.File("two.jsonl"), "--set",
                                    "checkpoint.dir=" + dir.File("ckpt2"), "--set",
                                    "checkpoint.every_steps=3", "--set", "checkpoint.keep_last=0"}),
                           dir.path());
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  EXPECT_THAT(two.out, HasSubstr("5 steps of 48 per rank x 2 ranks"));
  // Step 3 is mid-epoch 0 (3 of 5 steps, 288 examples seen).
  BinaryResult resumed =
      RunSynclineRanks(1, args({"--metrics", dir.File("resumed.jsonl"), "--resume",
                     Checkpoint(dir.File("ckpt2"), 3)}),
            dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  const std::map<int, StepRecord> want = Steps(dir.File("one.jsonl"));
  const std::map<int, StepRecord> got = Steps(dir.File("resumed.jsonl"));
  ASSERT_EQ(want.size(), 10u);
  ASSERT_EQ(got.size(), 7u);
  for (const auto& [step, r] : got) {
    ASSERT_TRUE(want.count(step)) << step;
    EXPECT_EQ(r.epoch, want.at(step).epoch) << "step " << step;
    // The first 3 steps ran at 2 ranks: equal up to float summation order.
    EXPECT_NEAR(r.loss, want.at(step).loss, 1e-4 * (1 + std::fabs(r.loss))) << "step " << step;
  }
}

TEST(ResizeResumeTest, PerRankBatchSavedAtOneRankResumesAtTwoAtTheSameExample) {
  TempDir dir;
  const std::string config = dir.File("run.textproto");
  WriteFile(config, kConfig);
  const std::string ckpt = dir.File("ckpt1");
  // 1 rank x 48: 10 steps per epoch; stop after step 3 (144 examples).
  BinaryResult first = RunSynclineRanks(1, {"train", "--config", config, "--set", "checkpoint.dir=" + ckpt,
                                 "--set", "checkpoint.every_steps=3", "--set", "train.max_steps=3"},
                             dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // 2 ranks x 48 = 96 per step: 144 is not a multiple; the remaining 336
  // examples of epoch 0 take ceil(336 / 96) = 4 steps (3 full, one of 48),
  // then epoch 1 has 5 steps.
  BinaryResult resumed =
      RunSynclineRanks(2, {"train", "--config", config, "--metrics", dir.File("resumed.jsonl"), "--resume",
                Checkpoint(ckpt, 3)},
            dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  const std::map<int, StepRecord> got = Steps(dir.File("resumed.jsonl"));
  ASSERT_EQ(got.size(), 9u);
  for (const auto& [step, r] : got) {
    EXPECT_EQ(r.epoch, step <= 7 ? 0 : 1) << "step " << step;
  }
}

TEST(ResizeResumeTest, WorldBatchSizeNotDivisibleByWorldNamesTheField) {
  TempDir dir;
  const std::string config = dir.File("run.textproto");
  WriteFile(config, kConfig);
  BinaryResult r = RunSynclineRanks(2, {"train", "--config", config, "--set", "train.world_batch_size=95"},
                         dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("train.world_batch_size (95) is not divisible by the "
                                       "world size (2)"));
}

}  // namespace
}  // namespace syncline::testing
