// End-to-end runs of the real binary on synthetic data: outputs, checkpoints,
// eval, and a resume that continues bit-for-bit.
#include <filesystem>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/run_binary.h"
#include "tests/support/temp_dir.h"

namespace syncline::testing {
namespace {

using ::testing::HasSubstr;

// Dropout exercises the RNG state, momentum the optimizer state and cosine
// decay the schedule position. 512 / 32 = 16 steps per epoch.
constexpr char kConfig[] = R"(
model { name: "mlp" hidden_sizes: [32, 16] dropout: 0.2 }
data { name: "synthetic" synthetic_train_size: 512 synthetic_test_size: 128 }
optimizer { name: "sgd" lr: 0.05 momentum: 0.9 }
schedule { decay: "cosine" warmup_steps: 3 }
train { epochs: 3 batch_size: 32 log_every: 1 threads: 1 seed: 7 }
checkpoint { every_steps: 4 keep_last: 0 }
logging { progress: "off" }
)";

// step -> "loss|lr" for every train line of a metrics file.
std::map<int, std::string> StepRecords(const std::string& path) {
  std::map<int, std::string> out;
  for (const std::string& line : ReadLines(path)) {
    if (JsonValue(line, "kind") != "\"train\"") continue;
    out[std::stoi(JsonValue(line, "step"))] = JsonValue(line, "loss") + "|" + JsonValue(line, "lr");
  }
  return out;
}

class TrainCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.File("run.textproto");
    WriteFile(config_, kConfig);
    ckpt_dir_ = dir_.File("ckpt");
  }
  BinaryResult Train(const std::string& metrics, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"train", "--config", config_, "--metrics", metrics,
                                     "--set", "checkpoint.dir=" + ckpt_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSyncline(args, dir_.path());
  }
  TempDir dir_;
  std::string config_, ckpt_dir_;
};

TEST_F(TrainCliTest, TrainsWritesMetricsCheckpointsAndEvaluates) {
  BinaryResult r = Train(dir_.File("m.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("test_accuracy: "));
  std::vector<std::string> lines = ReadLines(dir_.File("m.jsonl"));
  ASSERT_FALSE(lines.empty());
  std::map<std::string, int> kinds;
  for (const std::string& line : lines) ++kinds[JsonValue(line, "kind")];
  EXPECT_EQ(kinds["\"train\""], 48);
  EXPECT_EQ(kinds["\"eval\""], 3);
  EXPECT_EQ(kinds["\"final\""], 1);
  const std::string& final_line = lines.back();
  for (const char* key : {"step", "test_accuracy", "test_loss", "time_s", "samples_per_sec"}) {
    EXPECT_NE(JsonValue(final_line, key), "") << key;
  }
  for (const char* key : {"step", "epoch", "loss", "lr", "samples_per_sec", "time_s"}) {
    EXPECT_NE(JsonValue(lines[1], key), "") << key;
  }
  const double accuracy = std::stod(JsonValue(final_line, "test_accuracy"));
  EXPECT_GT(accuracy, 0.5) << "synthetic data is learnable";
  // Every 4 steps (the last is step 48); nothing temporary left behind.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(ckpt_dir_)) {
    files.push_back(e.path().filename().string());
  }
  EXPECT_EQ(files.size(), 12u);
  for (const std::string& f : files) EXPECT_THAT(f, ::testing::MatchesRegex("ckpt-[0-9]+\\.pb"));

  BinaryResult e = RunSyncline({"eval", "--config", config_, "--checkpoint", ckpt_dir_}, dir_.path());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  char expected[64];
  std::snprintf(expected, sizeof(expected), "test_accuracy: %.4f", accuracy);
  EXPECT_THAT(e.out, HasSubstr(expected));
}

TEST_F(TrainCliTest, EvalEveryStepsAddsMidEpochEvaluations) {
  // 16 steps per epoch: evaluations at steps 6, 12, 16 (epoch end), 18, 24, 30, 32, 36, 42, 48.
  BinaryResult r = Train(dir_.File("m.jsonl"), {"--set", "train.eval_every_steps=6"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<int> eval_steps;
  for (const std::string& line : ReadLines(dir_.File("m.jsonl"))) {
    if (JsonValue(line, "kind") == "\"eval\"") eval_steps.push_back(std::stoi(JsonValue(line, "step")));
  }
  EXPECT_EQ(eval_steps, (std::vector<int>{6, 12, 16, 18, 24, 30, 32, 36, 42, 48}));
}

TEST_F(TrainCliTest, ResumeContinuesBitIdentically) {
  BinaryResult full = Train(dir_.File("full.jsonl"));
  ASSERT_EQ(full.exit_code, 0) << full.err;
  std::map<int, std::string> expected = StepRecords(dir_.File("full.jsonl"));
  ASSERT_EQ(expected.size(), 48u);
  // Mid-epoch (step 12 of 16), exactly at an epoch end (16), and late in the
  // last epoch.
  for (int resume_step : {12, 16, 44}) {
    SCOPED_TRACE(resume_step);
    std::string metrics = dir_.File("resumed-" + std::to_string(resume_step) + ".jsonl");
    char ckpt[64];
    std::snprintf(ckpt, sizeof(ckpt), "/ckpt-%010d.pb", resume_step);
    std::string resumed_dir = dir_.File("ckpt-resumed");
    BinaryResult r = RunSyncline({"train", "--config", config_, "--metrics", metrics, "--set",
                                  "checkpoint.dir=" + resumed_dir, "--resume", ckpt_dir_ + ckpt},
                                 dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("resumed at step " + std::to_string(resume_step)));
    std::map<int, std::string> got = StepRecords(metrics);
    ASSERT_EQ(got.size(), static_cast<size_t>(48 - resume_step));
    for (const auto& [step, record] : got) {
      ASSERT_GT(step, resume_step);
      EXPECT_EQ(record, expected[step]) << "step " << step << " (loss|lr)";
    }
  }
}

}  // namespace
}  // namespace syncline::testing
