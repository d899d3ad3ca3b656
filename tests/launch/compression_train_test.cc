// `syncline train` with gradient compression, 2 real MPI ranks (mpirun):
//  - a PowerSGD + L-GreCo run saved mid-training (inside an L-GreCo window,
//    and between solves) resumes bit for bit: losses, learning rates,
//    cumulative gradient bytes and the per-layer setting changes all equal
//    the uninterrupted run's (label mpi);
//  - on Fashion-MNIST (reduced), L-GreCo PowerSGD ends within 1 pp of the
//    uncompressed run from the same seed, sending far fewer bytes (label slow).

#include <cstdio>
#include <filesystem>
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

// Dropout exercises the RNG state, momentum the optimizer state. Synthetic
// 512 examples / (32 x 2 ranks) = 8 steps per epoch, 24 steps. Compression
// from step 4; L-GreCo accumulates at steps 7-8, 12-13, 17-18 and re-solves
// at 9, 14, 19.
constexpr char kResumeConfig[] = R"(
model { name: "mlp" hidden_sizes: [32, 16] dropout: 0.2 }
data { name: "synthetic" synthetic_train_size: 512 synthetic_test_size: 128 }
optimizer { name: "sgd" lr: 0.05 momentum: 0.9 }
schedule { decay: "cosine" warmup_steps: 3 }
train { epochs: 3 batch_size: 32 log_every: 1 threads: 1 seed: 7 }
checkpoint { every_steps: 4 keep_last: 0 }
logging { progress: "off" }
comm { backend: "mpi" timeout_s: 60 }
compression {
  method: "powersgd" lgreco: true powersgd_rank: 2
  start_step: 4 lgreco_adjust_every: 5 lgreco_window: 2
}
)";

// step -> the fields that must continue bit for bit.
std::map<int, std::string> StepRecords(const std::string& path) {
  std::map<int, std::string> out;
  for (const std::string& line : ReadLines(path)) {
    if (JsonValue(line, "kind") != "\"train\"") continue;
    out[std::stoi(JsonValue(line, "step"))] =
        JsonValue(line, "loss") + "|" + JsonValue(line, "lr") + "|" +
        JsonValue(line, "grad_bytes_sent") + "|" + JsonValue(line, "grad_bytes_uncompressed");
  }
  return out;
}

// step -> the L-GreCo settings event (the whole line after "step").
std::map<int, std::string> SettingEvents(const std::string& path) {
  std::map<int, std::string> out;
  for (const std::string& line : ReadLines(path)) {
    if (JsonValue(line, "event") != "\"compression_settings\"") continue;
    out[std::stoi(JsonValue(line, "step"))] = line.substr(line.find("\"step\""));
  }
  return out;
}

TEST(CompressionTrainTest, ResumeContinuesBitIdentically) {
  TempDir dir;
  const std::string config = dir.File("run.textproto"), ckpt = dir.File("ckpt");
  WriteFile(config, kResumeConfig);
  BinaryResult full = RunSynclineRanks(2,
                             {"train", "--config", config, "--metrics", dir.File("full.jsonl"),
                              "--set", "checkpoint.dir=" + ckpt},
                             dir.path());
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;
  EXPECT_THAT(full.out, HasSubstr("L-GreCo"));
  const std::map<int, std::string> expected = StepRecords(dir.File("full.jsonl"));
  const std::map<int, std::string> events = SettingEvents(dir.File("full.jsonl"));
  ASSERT_EQ(expected.size(), 24u);
  ASSERT_FALSE(events.empty()) << "L-GreCo never changed a setting; the test would prove little";
  // 8: inside the window before the solve at 9 (step 7 accumulated);
  // 16: between solves, after two of them.
  for (int resume_step : {8, 16}) {
    SCOPED_TRACE(resume_step);
    const std::string metrics = dir.File("resumed-" + std::to_string(resume_step) + ".jsonl");
    char name[64];
    std::snprintf(name, sizeof(name), "/ckpt-%010d.pb", resume_step);
    BinaryResult r = RunSynclineRanks(2,
                            {"train", "--config", config, "--metrics", metrics, "--set",
                             "checkpoint.dir=" + dir.File("ckpt-resumed"), "--resume", ckpt + name},
                            dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("resumed at step " + std::to_string(resume_step)));
    const std::map<int, std::string> got = StepRecords(metrics);
    ASSERT_EQ(got.size(), static_cast<size_t>(24 - resume_step));
    for (const auto& [step, record] : got) {
      ASSERT_GT(step, resume_step);
      EXPECT_EQ(record, expected.at(step)) << "step " << step << " (loss|lr|bytes|dense)";
    }
    for (const auto& [step, event] : SettingEvents(metrics)) {
      ASSERT_TRUE(events.count(step)) << "resumed run re-solved differently at step " << step;
      EXPECT_EQ(event, events.at(step));
    }
    for (const auto& [step, event] : events) {
      if (step > resume_step) {
        EXPECT_TRUE(SettingEvents(metrics).count(step)) << step;
      }
    }
  }
}

struct Outcome {
  double accuracy = 0.0;
  double ratio = 0.0;
};

Outcome Final(const std::string& path) {
  Outcome o;
  for (const std::string& line : ReadLines(path)) {
    if (JsonValue(line, "kind") != "\"final\"") continue;
    o.accuracy = std::stod(JsonValue(line, "test_accuracy"));
    const std::string ratio = JsonValue(line, "compression_ratio");
    o.ratio = ratio.empty() ? 1.0 : std::stod(ratio);
  }
  return o;
}

// Fashion-MNIST, 12000 training examples, 784-128-10 MLP, 2 epochs of
// 2 x 64 per step (188 steps): L-GreCo PowerSGD (rank 4, auto warm-up = 10
// steps, re-solve every 40) against uncompressed, same seed.
TEST(CompressionTrainTest, LgrecoWithinOnePointOfUncompressedOnFashionMnist) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
    GTEST_SKIP() << "Fashion-MNIST not installed";
  }
  TempDir dir;
  const std::vector<std::string> common = {
      "train", "--config", SYNCLINE_SOURCE_DIR "/configs/fmnist_mlp.textproto",
      "--set", "model.hidden_sizes=128", "--set", "data.train_limit=12000",
      "--set", "train.epochs=2", "--set", "train.batch_size=64", "--set", "train.threads=1",
      "--set", "schedule.warmup_steps=20", "--set", "logging.progress=off",
      "--set", "comm.backend=mpi", "--set", "compression.lgreco_adjust_every=40"};
  std::map<std::string, Outcome> outcomes;
  for (const char* method : {"none", "powersgd"}) {
    std::vector<std::string> args = common;
    const std::string metrics = dir.File(std::string(method) + ".jsonl");
    args.insert(args.end(), {"--metrics", metrics, "--set",
                             std::string("compression.method=") + method});
    if (std::string(method) != "none") args.insert(args.end(), {"--set", "compression.lgreco=true"});
    BinaryResult r = RunSynclineRanks(2, args, dir.path());
    ASSERT_EQ(r.exit_code, 0) << method << "\n" << r.out << r.err;
    outcomes[method] = Final(metrics);
  }
  const Outcome& none = outcomes["none"];
  const Outcome& lgreco = outcomes["powersgd"];
  std::printf("uncompressed %.4f, L-GreCo PowerSGD %.4f (%.1fx fewer gradient bytes)\n",
              none.accuracy, lgreco.accuracy, lgreco.ratio);
  EXPECT_GT(none.accuracy, 0.75) << "the uncompressed run should learn";
  EXPECT_GE(lgreco.accuracy, none.accuracy - 0.01);
  EXPECT_GT(lgreco.ratio, 5.0) << "L-GreCo should compress";
}

}  // namespace
}  // namespace syncline::testing
