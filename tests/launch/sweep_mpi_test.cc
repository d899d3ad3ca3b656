// A 2-rank sweep run goes through a real mpirun.
#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "launch/sweep.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;

TEST(SweepMpiTest, WorldSizeAxisLaunchesRanksThroughMpirun) {
  proto::SweepConfig sweep;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("name: \"mpi\" base { train { max_steps: 5 } }\ntrainer: \"", SYNCLINE_FAKE_TRAINER,
                   "\" trainer: \"train\"\n",
                   R"(mpi { oversubscribe: "always" }
                      axes { path: "world_size" values: "1" values: "2" })"),
      &sweep));
  auto plan = ExpandSweep(sweep, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  syncline::testing::TempDir dir;
  LaunchOptions options;
  options.out_dir = dir.File("out");
  auto outcome = RunSweep(*plan, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->launch.succeeded, 2);
  RunPaths two = RunPaths::For(dir.File("out"), plan->runs[1].id);
  EXPECT_THAT(*ReadFile(two.command), HasSubstr("mpirun -np 2 --allow-run-as-root --oversubscribe"));
  EXPECT_THAT(*ReadFile(two.metrics), HasSubstr("\"world_size\":2"));
  std::string out = *ReadFile(two.stdout_log);
  EXPECT_THAT(out, HasSubstr("rank 0 of 2"));
  EXPECT_THAT(out, HasSubstr("rank 1 of 2"));
  EXPECT_THAT(*ReadFile(dir.File("out/results.csv")), HasSubstr(",ok,2,2,5,"));
}

}  // namespace
}  // namespace syncline::launch
