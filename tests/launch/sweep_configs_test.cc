// Every example sweep in configs/sweeps/ parses, names only real fields and
// expands into valid runs (so the examples cannot rot as protos change).
#include <filesystem>

#include "gtest/gtest.h"
#include "launch/sweep_plan.h"

namespace syncline::launch {
namespace {

TEST(SweepConfigsTest, ExampleSweepsExpand) {
  const std::filesystem::path dir = std::filesystem::path(SYNCLINE_SOURCE_DIR) / "configs/sweeps";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".textproto") continue;
    ++count;
    auto plan = LoadSweepPlan(entry.path().string());
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_FALSE(plan->runs.empty()) << entry.path();
  }
  EXPECT_GE(count, 1);
}

TEST(SweepConfigsTest, QuickSweepHasATwoRankRunAndSeeds) {
  auto plan = LoadSweepPlan(std::string(SYNCLINE_SOURCE_DIR) + "/configs/sweeps/quick.textproto");
  ASSERT_TRUE(plan.ok()) << plan.status();
  bool two_ranks = false;
  for (const SweepRun& run : plan->runs) two_ranks |= run.world_size == 2;
  EXPECT_TRUE(two_ranks);
  EXPECT_GE(plan->SeedAxis(), 0);
}

}  // namespace
}  // namespace syncline::launch
