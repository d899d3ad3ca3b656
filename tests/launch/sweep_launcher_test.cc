// The launcher against a fake trainer (tests/launch/fake_trainer.cc): real
// child processes, run folders, resume, failures, timeouts.
#include "launch/sweep_launcher.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "launch/sweep.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;

SweepPlan Plan(const std::string& axes) {
  proto::SweepConfig sweep;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("name: \"t\" base { train { max_steps: 10 } }\ntrainer: \"", SYNCLINE_FAKE_TRAINER,
                   "\" trainer: \"train\"\n", axes),
      &sweep));
  auto plan = ExpandSweep(sweep, "");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

int Lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

class SweepLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FAKE_TRAINER_LOG", dir_.File("launches.log").c_str(), 1);
    setenv("FAKE_TRAINER_STEP_MS", "0", 1);
  }
  LaunchOptions Options() {
    LaunchOptions options;
    options.out_dir = dir_.File("out");
    options.jobs = 2;
    return options;
  }
  syncline::testing::TempDir dir_;
};

TEST_F(SweepLauncherTest, TwoByTwoSweepLeavesRunFoldersTableAndPlots) {
  SweepPlan plan = Plan(R"(axes { path: "optimizer.lr" values: "0.5" values: "1" label: "lr" }
                           axes { path: "train.seed" values: "1" values: "2" label: "seed" })");
  auto outcome = RunSweep(plan, Options());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->launch.launched, 4);
  EXPECT_EQ(outcome->launch.succeeded, 4);
  for (const SweepRun& run : plan.runs) {
    RunPaths paths = RunPaths::For(dir_.File("out"), run.id);
    EXPECT_TRUE(IsDone(paths, RunFingerprint(run))) << run.id;
    EXPECT_THAT(*ReadFile(paths.config), HasSubstr("max_steps: 10"));
    EXPECT_THAT(*ReadFile(paths.command), HasSubstr("--metrics " + paths.metrics));
    EXPECT_THAT(*ReadFile(paths.stdout_log), HasSubstr("rank 0 of 1 starting"));
    EXPECT_EQ(Lines(paths.metrics), 10 + 2 + 1);
  }
  EXPECT_EQ(Lines(dir_.File("out/results.csv")), 5);
  std::string md = *ReadFile(dir_.File("out/results.md"));
  EXPECT_THAT(md, HasSubstr("4 runs: 4 ok, 0 failed, 0 not run yet"));
  EXPECT_THAT(md, HasSubstr("| 0.5 | 2/2 |"));
  EXPECT_THAT(md, HasSubstr(" ± "));
  for (const char* plot : {"loss_vs_step", "loss_vs_time", "accuracy_vs_step", "accuracy_vs_time"}) {
    std::string svg = *ReadFile(dir_.File(absl::StrCat("out/plots/", plot, ".svg")));
    int lines = 0;
    for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++lines;
    EXPECT_EQ(lines, 4) << plot;
    EXPECT_THAT(svg, HasSubstr("lr=1, seed=2"));
  }
}

TEST_F(SweepLauncherTest, FailedRunIsRecordedAndTheSweepGoesOn) {
  SweepPlan plan = Plan(R"(axes { path: "name" values: "fail" values: "ok" }
                           axes { path: "train.seed" values: "1" values: "2" })");
  auto outcome = RunSweep(plan, Options());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->launch.failed, 2);
  EXPECT_EQ(outcome->launch.succeeded, 2);
  RunRecord failed = ReadRunRecord(RunPaths::For(dir_.File("out"), plan.runs[0].id));
  EXPECT_EQ(failed.state, RunState::kFailed);
  EXPECT_EQ(failed.exit.exit_code, 3);
  EXPECT_THAT(failed.log_tail, HasSubstr("loss is NaN"));
  std::string md = *ReadFile(dir_.File("out/results.md"));
  EXPECT_THAT(md, HasSubstr("## Failed runs"));
  EXPECT_THAT(md, HasSubstr("exit code 3"));
  EXPECT_THAT(md, HasSubstr("loss is NaN"));

  // A re-launch retries the failed runs only.
  auto again = RunSweep(plan, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->launch.skipped, 2);
  EXPECT_EQ(again->launch.launched, 2);
  EXPECT_EQ(Lines(dir_.File("launches.log")), 4 + 2);
}

TEST_F(SweepLauncherTest, InterruptedSweepResumesWithoutRepeatingWork) {
  setenv("FAKE_TRAINER_STEP_MS", "40", 1);  // 10 steps: ~0.4 s per run
  SweepPlan plan = Plan(R"(axes { path: "train.seed" values: "1" values: "2" values: "3" values: "4" })");
  LaunchOptions options = Options();
  options.jobs = 1;
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  std::thread watcher([&] {
    const std::string first_done = RunPaths::For(std::filesystem::absolute(dir_.File("out")).string(),
                                                 plan.runs[0].id).done;
    for (int i = 0; i < 500 && !std::filesystem::exists(first_done); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Cancel as soon as run 2 has started writing metrics (it needs ~0.4 s to finish), so
    // the interruption lands mid-run however loaded the machine is.
    const std::string second_metrics =
        RunPaths::For(std::filesystem::absolute(dir_.File("out")).string(), plan.runs[1].id).metrics;
    for (int i = 0; i < 500 && !std::filesystem::exists(second_metrics); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    cancel = true;
  });
  auto first = RunSweep(plan, options);
  watcher.join();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->launch.cancelled);
  ASSERT_GE(first->launch.succeeded, 1);
  ASSERT_LT(first->launch.succeeded, 4);
  std::string md = *ReadFile(dir_.File("out/results.md"));
  EXPECT_THAT(md, HasSubstr("not run yet"));

  setenv("FAKE_TRAINER_STEP_MS", "0", 1);
  options.cancel = nullptr;
  auto second = RunSweep(plan, options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->launch.skipped, first->launch.succeeded);
  EXPECT_EQ(second->launch.launched, 4 - first->launch.succeeded);
  EXPECT_EQ(second->launch.succeeded, 4 - first->launch.succeeded);
  // Only the interrupted run was started twice.
  EXPECT_EQ(Lines(dir_.File("launches.log")), 4 + 1);
  for (const SweepRun& run : plan.runs) {
    EXPECT_EQ(Lines(RunPaths::For(dir_.File("out"), run.id).metrics), 13) << run.id;
  }

  auto third = RunSweep(plan, options);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->launch.launched, 0);
  EXPECT_EQ(third->launch.skipped, 4);
}

TEST_F(SweepLauncherTest, SecondSweepInTheSameFolderIsRefused) {
  SweepPlan plan = Plan(R"(axes { path: "train.seed" values: "1" })");
  std::filesystem::create_directories(dir_.File("out"));
  const int fd = open(dir_.File("out/.sweep.lock").c_str(), O_CREAT | O_RDWR, 0644);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  auto refused = LaunchRuns(plan, Options());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("another sweep is running"));
  close(fd);
  EXPECT_TRUE(LaunchRuns(plan, Options()).ok());
}

TEST_F(SweepLauncherTest, ChangedConfigRunsAgain) {
  SweepPlan plan = Plan(R"(axes { path: "train.seed" values: "1" })");
  ASSERT_TRUE(RunSweep(plan, Options()).ok());
  plan.runs[0].config.mutable_train()->set_max_steps(5);
  auto again = RunSweep(plan, Options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->launch.launched, 1);
  EXPECT_EQ(Lines(RunPaths::For(dir_.File("out"), plan.runs[0].id).metrics), 5 + 1 + 1);
}

TEST_F(SweepLauncherTest, TimeoutAndMissingProgramFailTheRunOnly) {
  setenv("FAKE_TRAINER_STEP_MS", "1000", 1);
  SweepPlan plan = Plan(R"(run_timeout_s: 0.3 axes { path: "train.seed" values: "1" })");
  auto outcome = RunSweep(plan, Options());
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->launch.failed, 1);
  EXPECT_THAT(ReadRunRecord(RunPaths::For(dir_.File("out"), plan.runs[0].id)).reason,
              HasSubstr("timed out"));

  plan.sweep.clear_trainer();
  plan.sweep.add_trainer("/nonexistent/trainer");
  auto missing = RunSweep(plan, Options());
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->launch.failed, 1);
}

TEST(SweepCommandTest, RunCoresCountsRanksTimesThreads) {
  SweepPlan plan = Plan(R"(axes { path: "world_size" values: "1" values: "2" }
                           axes { path: "train.threads" values: "0" values: "3" })");
  EXPECT_EQ(RunCores(plan.runs[0], 8), 8);  // threads 0: all cores
  EXPECT_EQ(RunCores(plan.runs[1], 8), 3);
  EXPECT_EQ(RunCores(plan.runs[3], 8), 6);
}

TEST(SweepCommandTest, MpirunPrefixForMultiRankRuns) {
  SweepPlan plan = Plan(R"(mpi { hostfile: "hosts" extra_args: "--bind-to" extra_args: "none" }
                           axes { path: "world_size" values: "1" values: "4" })");
  LaunchOptions options;
  options.cores = 2;
  RunPaths paths = RunPaths::For("/o", "r");
  EXPECT_EQ(RunCommand(plan, plan.runs[0], paths, options),
            (std::vector<std::string>{SYNCLINE_FAKE_TRAINER, "train", "--config",
                                      "/o/runs/r/config.textproto", "--metrics",
                                      "/o/runs/r/metrics.jsonl"}));
  std::vector<std::string> cmd = RunCommand(plan, plan.runs[1], paths, options);
  ASSERT_GE(cmd.size(), 9u);
  EXPECT_EQ(std::vector<std::string>(cmd.begin(), cmd.begin() + 9),
            (std::vector<std::string>{"mpirun", "-np", "4", "--allow-run-as-root", "--hostfile",
                                      "hosts", "--bind-to", "none", SYNCLINE_FAKE_TRAINER}));
  plan.sweep.mutable_mpi()->clear_hostfile();
  cmd = RunCommand(plan, plan.runs[1], paths, options);
  EXPECT_EQ(cmd[4], "--oversubscribe");  // 4 ranks on 2 cores
}

}  // namespace
}  // namespace syncline::launch
