// End to end: `syncline sweep` running real `syncline train` processes
// (synthetic data, tiny MLP, few steps), one of them with 2 ranks under mpirun.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "launch/sweep_process.h"
#include "launch/sweep_record.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;

ExitInfo RunSyncline(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {SYNCLINE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = ChildProcess::Start(argv, log, log);
  EXPECT_TRUE(child.ok()) << child.status();
  ExitInfo exit;
  while (!child->Poll(&exit)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return exit;
}

TEST(SweepEndToEndTest, TwoByTwoSweepOfRealRunsThenNothingTwice) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("s.textproto")) << R"(
    name: "e2e"
    base {
      model { name: "mlp" hidden_sizes: [16] }
      data { name: "synthetic" synthetic_train_size: 512 synthetic_test_size: 128 }
      optimizer { name: "sgd" lr: 0.1 }
      train { epochs: 2 batch_size: 32 log_every: 4 threads: 1 }
    }
    mpi { oversubscribe: "always" }
    axes { path: "optimizer.lr" label: "lr" values: ["0.05", "0.2"] }
    axes { path: "world_size" values: ["1", "2"] })";
  const std::string out = dir.File("out");
  ExitInfo first = RunSyncline({"sweep", "--config", dir.File("s.textproto"), "--out", out},
                               dir.File("first.log"));
  std::string log = *ReadFile(dir.File("first.log"));
  ASSERT_TRUE(first.ok()) << first.ToString() << "\n" << log;
  EXPECT_THAT(log, HasSubstr("4/4 runs ok, 0 failed"));

  std::string csv = *ReadFile(out + "/results.csv");
  int ok_rows = 0;
  for (size_t p = csv.find(",ok,"); p != std::string::npos; p = csv.find(",ok,", p + 1)) ++ok_rows;
  EXPECT_EQ(ok_rows, 4) << csv;
  std::string md = *ReadFile(out + "/results.md");
  EXPECT_THAT(md, HasSubstr("| lr | world_size |"));
  EXPECT_THAT(md, HasSubstr("4 runs: 4 ok"));
  std::string svg = *ReadFile(out + "/plots/loss_vs_step.svg");
  int lines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++lines;
  EXPECT_EQ(lines, 4);
  EXPECT_THAT(*ReadFile(out + "/runs/optimizer.lr-0.2_world_size-2/command.txt"),
              HasSubstr("mpirun -np 2"));

  ExitInfo second = RunSyncline({"sweep", "--config", dir.File("s.textproto"), "--out", out},
                                dir.File("second.log"));
  EXPECT_TRUE(second.ok()) << *ReadFile(dir.File("second.log"));
  EXPECT_THAT(*ReadFile(dir.File("second.log")), HasSubstr("4 skipped as finished earlier"));
}

TEST(SweepEndToEndTest, UnknownFieldPathStopsBeforeAnyRun) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("s.textproto")) << R"(axes { path: "optimizer.lrr" values: ["1"] })";
  ExitInfo exit = RunSyncline({"sweep", "--config", dir.File("s.textproto"), "--out", dir.File("out")},
                              dir.File("log"));
  EXPECT_EQ(exit.exit_code, 2);
  EXPECT_THAT(*ReadFile(dir.File("log")), HasSubstr("optimizer.lrr"));
  EXPECT_FALSE(std::filesystem::exists(dir.File("out")));
}

}  // namespace
}  // namespace syncline::launch
