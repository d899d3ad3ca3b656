#include "launch/sweep_plan.h"

#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;

proto::SweepConfig Parse(const std::string& text) {
  proto::SweepConfig sweep;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &sweep)) << text;
  return sweep;
}

TEST(SweepPlanTest, CrossProductInAxisOrder) {
  auto plan = ExpandSweep(Parse(R"(
      axes { path: "optimizer.lr" values: "0.1" values: "0.01" }
      axes { path: "optimizer.name" values: "sgd" values: "adamw" values: "lamb" label: "opt" })"),
                          "s.textproto");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 6u);
  EXPECT_EQ(plan->labels, (std::vector<std::string>{"optimizer.lr", "opt"}));
  EXPECT_EQ(plan->runs[0].values, (std::vector<std::string>{"0.1", "sgd"}));
  EXPECT_EQ(plan->runs[5].values, (std::vector<std::string>{"0.01", "lamb"}));
  EXPECT_FLOAT_EQ(plan->runs[4].config.optimizer().lr(), 0.01f);
  EXPECT_EQ(plan->runs[4].config.optimizer().name(), "adamw");
  EXPECT_EQ(plan->runs[4].id, "optimizer.lr-0.01_optimizer.name-adamw");
  EXPECT_EQ(plan->runs[4].index, 4);
  EXPECT_EQ(plan->RunName(plan->runs[4]), "optimizer.lr=0.01, opt=adamw");
}

TEST(SweepPlanTest, LinkedFieldsMoveWithTheirAxis) {
  auto plan = ExpandSweep(Parse(R"(
      axes { path: "optimizer.name" values: "sgd" values: "adamw"
             links { path: "optimizer.lr" values: "0.1" values: "0.001" } }
      axes { path: "train.seed" values: "1" values: "2" })"),
                          "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 4u);
  EXPECT_FLOAT_EQ(plan->runs[1].config.optimizer().lr(), 0.1f);
  EXPECT_FLOAT_EQ(plan->runs[2].config.optimizer().lr(), 0.001f);
  EXPECT_EQ(plan->runs[2].id, "optimizer.name-adamw_train.seed-1");

  auto short_link = ExpandSweep(Parse(R"(
      axes { path: "optimizer.name" values: "sgd" values: "adamw"
             links { path: "optimizer.lr" values: "0.1" } })"),
                                "s.textproto");
  ASSERT_FALSE(short_link.ok());
  EXPECT_THAT(short_link.status().message(), HasSubstr("link 'optimizer.lr' has 1 values"));
  auto bad_link = ExpandSweep(Parse(R"(
      axes { path: "optimizer.name" values: "sgd"
             links { path: "optimizer.lrate" values: "0.1" } })"),
                              "s.textproto");
  ASSERT_FALSE(bad_link.ok());
  EXPECT_THAT(bad_link.status().message(), HasSubstr("optimizer.lrate"));
}

TEST(SweepPlanTest, NoAxesIsOneBaseRun) {
  auto plan = ExpandSweep(Parse("base { train { epochs: 2 } }"), "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 1u);
  EXPECT_EQ(plan->runs[0].id, "base");
  EXPECT_EQ(plan->runs[0].config.train().epochs(), 2);
}

TEST(SweepPlanTest, ListedPointsAreTheOnlyRuns) {
  auto plan = ExpandSweep(Parse(R"(
      axes { path: "optimizer.name" values: "sgd" values: "lamb" }
      axes { path: "world_size" values: "1" values: "2" }
      points { values: "sgd" values: "1" }
      points { values: "lamb" values: "2" })"),
                          "s.textproto");
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->runs.size(), 2u);
  EXPECT_EQ(plan->runs[0].world_size, 1);
  EXPECT_EQ(plan->runs[1].world_size, 2);
  EXPECT_EQ(plan->runs[1].config.optimizer().name(), "lamb");
}

TEST(SweepPlanTest, UnknownFieldPathIsNamed) {
  auto plan = ExpandSweep(Parse(R"(axes { path: "optimizer.lrr" values: "0.1" })"), "s.textproto");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("s.textproto"));
  EXPECT_THAT(plan.status().message(), HasSubstr("optimizer.lrr"));
}

TEST(SweepPlanTest, UnknownMessageInPathIsNamed) {
  auto plan = ExpandSweep(Parse(R"(axes { path: "optimiser.lr" values: "0.1" })"), "s.textproto");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("optimiser.lr"));
}

TEST(SweepPlanTest, UnparsableValueNamesPathAndValue) {
  auto plan = ExpandSweep(Parse(R"(axes { path: "train.epochs" values: "2" values: "two" })"), "");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("train.epochs"));
  EXPECT_THAT(plan.status().message(), HasSubstr("two"));
}

TEST(SweepPlanTest, BadWorldSizeIsRejected) {
  for (const char* value : {"0", "-1", "2x"}) {
    auto plan = ExpandSweep(
        Parse(absl::StrCat(R"(axes { path: "world_size" values: ")", value, R"(" })")), "");
    ASSERT_FALSE(plan.ok()) << value;
    EXPECT_THAT(plan.status().message(), HasSubstr("world_size"));
  }
}

TEST(SweepPlanTest, StructuralErrors) {
  EXPECT_THAT(ExpandSweep(Parse(R"(axes { path: "train.seed" })"), "").status().message(),
              HasSubstr("no values"));
  EXPECT_THAT(ExpandSweep(Parse(R"(axes { values: "1" })"), "").status().message(),
              HasSubstr("no path"));
  EXPECT_THAT(ExpandSweep(Parse(R"(axes { path: "train.seed" values: "1" }
                                   axes { path: "train.seed" values: "2" })"),
                          "")
                  .status()
                  .message(),
              HasSubstr("appears twice"));
  EXPECT_THAT(ExpandSweep(Parse(R"(axes { path: "train.seed" values: "1" }
                                   points { values: "1" values: "2" })"),
                          "")
                  .status()
                  .message(),
              HasSubstr("points[0] has 2 values"));
  EXPECT_THAT(ExpandSweep(Parse(R"(axes { path: "train.seed" values: "1" values: "1" })"), "")
                  .status()
                  .message(),
              HasSubstr("listed twice"));
}

TEST(SweepPlanTest, InvalidResolvedConfigNamesTheRun) {
  auto plan = ExpandSweep(Parse(R"(axes { path: "train.batch_size" values: "8" values: "0" })"), "");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("run train.batch_size-0"));
  EXPECT_THAT(plan.status().message(), HasSubstr("batch_size"));
}

TEST(SweepPlanTest, SeedAxisGroupsSettings) {
  auto plan = ExpandSweep(Parse(R"(
      axes { path: "optimizer.lr" values: "0.1" }
      axes { path: "train.seed" values: "1" values: "2" label: "seed" })"),
                          "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->SeedAxis(), 1);
  EXPECT_EQ(plan->SettingName(plan->runs[0]), plan->SettingName(plan->runs[1]));
  EXPECT_EQ(plan->SettingName(plan->runs[0]), "optimizer.lr=0.1");
}

TEST(SweepPlanTest, LongRunIdsAreHashedAndDistinct) {
  std::string a(150, 'a'), b = a;
  b.back() = 'b';
  std::string id_a = RunId({"name"}, {a}), id_b = RunId({"name"}, {b});
  EXPECT_LE(id_a.size(), 96u);
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(RunId({"model.hidden_sizes"}, {"256,128"}), "model.hidden_sizes-256-128");
}

TEST(SweepPlanTest, LoadsBaseConfigRelativeToSweepFile) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("base.textproto")) << "train { epochs: 3 batch_size: 16 }\n";
  std::ofstream(dir.File("s.textproto")) << "name: \"t\"\nbase_config: \"base.textproto\"\n"
                                            "base { train { epochs: 4 } }\n"
                                            "axes { path: \"train.seed\" values: \"7\" }\n";
  auto plan = LoadSweepPlan(dir.File("s.textproto"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->runs[0].config.train().epochs(), 4);  // the sweep file wins
  EXPECT_EQ(plan->runs[0].config.train().batch_size(), 16);
  EXPECT_EQ(plan->runs[0].config.train().seed(), 7);
}

TEST(SweepPlanTest, SyntaxErrorInSweepFileNamesFileAndLine) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("s.textproto")) << "name: \"t\"\naxes { pth: \"x\" }\n";
  auto plan = LoadSweepPlan(dir.File("s.textproto"));
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("s.textproto:2:"));
}

}  // namespace
}  // namespace syncline::launch
