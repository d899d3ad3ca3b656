#include "launch/config.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "syncline/sweep.pb.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteFile(const testing::TempDir& dir, const std::string& name,
                      const std::string& text) {
  std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

TEST(ParseTextProtoTest, ReadsNestedFields) {
  proto::ExperimentConfig c;
  ASSERT_TRUE(ParseTextProto("model { name: 'cnn' hidden_sizes: [4, 5] }\ntrain { epochs: 3 }",
                             "x", &c)
                  .ok());
  EXPECT_EQ(c.model().name(), "cnn");
  EXPECT_EQ(c.model().hidden_sizes_size(), 2);
  EXPECT_EQ(c.train().epochs(), 3);
}

TEST(ParseTextProtoTest, UnknownFieldNamesFileLineColumnAndField) {
  proto::ExperimentConfig c;
  absl::Status s = ParseTextProto("train {\n  batch_size: 4\n  epoch: 3\n}\n", "run.textproto", &c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("run.textproto:3:3: train.epoch:"));
  EXPECT_THAT(s.message(), HasSubstr("epoch"));
}

TEST(ParseTextProtoTest, WrongValueTypeNamesField) {
  proto::ExperimentConfig c;
  absl::Status s = ParseTextProto("# comment {\ntrain {\n  epochs: \"ten\"\n}\n", "f", &c);
  EXPECT_THAT(s.message(), HasSubstr("f:3:11: train.epochs:"));
}

TEST(ParseTextProtoTest, ReportsMissingFile) {
  proto::ExperimentConfig c;
  absl::Status s = ParseTextProtoFile("/nonexistent/x.textproto", &c);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("/nonexistent/x.textproto"));
}

TEST(SetFieldTest, SetsScalarsEnumsBoolsAndLists) {
  proto::ExperimentConfig c;
  ASSERT_TRUE(SetField(&c, "train.epochs", "7").ok());
  ASSERT_TRUE(SetField(&c, "optimizer.lr", "1e-3").ok());
  ASSERT_TRUE(SetField(&c, "optimizer.nesterov", "true").ok());
  ASSERT_TRUE(SetField(&c, "model.name", "cnn").ok());
  ASSERT_TRUE(SetField(&c, "train.seed", "-5").ok());
  ASSERT_TRUE(SetField(&c, "model.hidden_sizes", "256, 128").ok());
  EXPECT_EQ(c.train().epochs(), 7);
  EXPECT_FLOAT_EQ(c.optimizer().lr(), 1e-3f);
  EXPECT_TRUE(c.optimizer().nesterov());
  EXPECT_EQ(c.model().name(), "cnn");
  EXPECT_EQ(c.train().seed(), -5);
  ASSERT_EQ(c.model().hidden_sizes_size(), 2);
  EXPECT_EQ(c.model().hidden_sizes(1), 128);
  ASSERT_TRUE(SetField(&c, "model.hidden_sizes", "").ok());
  EXPECT_EQ(c.model().hidden_sizes_size(), 0);
}

TEST(SetFieldTest, SetsMessageFromTextBody) {
  proto::ExperimentConfig c;
  ASSERT_TRUE(SetField(&c, "train", "{ epochs: 2 batch_size: 8 }").ok());
  EXPECT_EQ(c.train().epochs(), 2);
  EXPECT_EQ(c.train().batch_size(), 8);
}

TEST(SetFieldTest, RejectsUnknownPathsAndBadValues) {
  proto::ExperimentConfig c;
  EXPECT_THAT(SetField(&c, "train.epoch", "1").message(), HasSubstr("train.epoch"));
  EXPECT_THAT(SetField(&c, "train.epochs.x", "1").message(), HasSubstr("train.epochs.x"));
  EXPECT_FALSE(SetField(&c, "train.epochs", "12abc").ok());
  EXPECT_FALSE(SetField(&c, "train.epochs", "1.5").ok());
  EXPECT_FALSE(SetField(&c, "train.epochs", "99999999999").ok());
  EXPECT_FALSE(SetField(&c, "optimizer.lr", "0.1x").ok());
  EXPECT_FALSE(SetField(&c, "optimizer.lr", "nan").ok());
  EXPECT_FALSE(SetField(&c, "optimizer.nesterov", "maybe").ok());
  EXPECT_FALSE(SetField(&c, "model.hidden_sizes", "4,x").ok());
  EXPECT_EQ(c.train().epochs(), 5) << "failed sets must not change the message";
  EXPECT_THAT(SetField(&c, "train.epochs", "abc").message(),
              HasSubstr("cannot parse 'abc' as int32 for train.epochs"));
}

TEST(SetFieldTest, WorksOnOtherMessageTypes) {
  proto::CheckpointConfig c;
  ASSERT_TRUE(SetField(&c, "dir", "/tmp/x").ok());
  ASSERT_TRUE(SetField(&c, "every_steps", "10").ok());
  EXPECT_EQ(c.dir(), "/tmp/x");
  EXPECT_EQ(c.every_steps(), 10);
}

TEST(ValidateConfigTest, DefaultsAreValid) {
  EXPECT_TRUE(ValidateConfig(proto::ExperimentConfig()).ok());
}

TEST(ValidateConfigTest, ListsEveryProblem) {
  proto::ExperimentConfig c;
  c.mutable_train()->set_batch_size(0);
  c.mutable_train()->set_epochs(0);
  c.mutable_optimizer()->set_lr(-0.1f);
  c.mutable_model()->set_name("resnet9000");
  c.mutable_optimizer()->set_name("adamx");
  c.mutable_data()->set_name("cifar");
  absl::Status s = ValidateConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  for (const char* field : {"train.batch_size", "train.epochs", "optimizer.lr", "model.name",
                            "optimizer.name", "data.name"}) {
    EXPECT_THAT(s.message(), HasSubstr(field));
  }
  EXPECT_THAT(s.message(), HasSubstr("6 problems"));
}

// world_batch_size overrides batch_size (the trainer derives the per-rank
// batch and checks divisibility by the world size); negative is an error.
TEST(ValidateConfigTest, WorldBatchSizeIsIndependentOfBatchSize) {
  proto::ExperimentConfig c;
  c.mutable_train()->set_batch_size(64);
  c.mutable_train()->set_world_batch_size(100);
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.mutable_train()->set_world_batch_size(-2);
  EXPECT_THAT(ValidateConfig(c).message(), HasSubstr("train.world_batch_size"));
}

TEST(LoadExperimentConfigTest, OverridesWinAndProblemsCarryLocations) {
  testing::TempDir dir;
  std::string path =
      WriteFile(dir, "run.textproto", "train {\n  batch_size: 0\n  epochs: 2\n}\n");
  auto bad = LoadExperimentConfig(path, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr(path + ":2:3: train.batch_size: must be >= 1, got 0"));
  auto fixed = LoadExperimentConfig(path, {"train.batch_size=32", "train.epochs=4"});
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->train().batch_size(), 32);
  EXPECT_EQ(fixed->train().epochs(), 4);
  auto via_set = LoadExperimentConfig(path, {"train.batch_size=8", "optimizer.lr=0"});
  EXPECT_THAT(via_set.status().message(), HasSubstr("--set optimizer.lr=0: optimizer.lr"));
  EXPECT_THAT(via_set.status().message(), Not(HasSubstr("batch_size")));
}

TEST(LoadExperimentConfigTest, BadOverrideNamesIt) {
  testing::TempDir dir;
  std::string path = WriteFile(dir, "run.textproto", "");
  auto r = LoadExperimentConfig(path, {"train.epochz=3"});
  EXPECT_THAT(r.status().message(), HasSubstr("--set train.epochz=3: unknown field"));
  r = LoadExperimentConfig(path, {"train.epochs"});
  EXPECT_THAT(r.status().message(), HasSubstr("expected field.path=value"));
}

}  // namespace
}  // namespace syncline::launch
