#include "core/checkpoint.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace syncline::core {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CheckpointTest, WritesAtomicallyAndReadsBack) {
  testing::TempDir dir;
  proto::Checkpoint ckpt;
  ckpt.set_step(42);
  Tensor w({2, 3}, {1, 2, 3, 4, 5, 6});
  TensorToProto("fc.weight", w, ckpt.add_model());
  std::string path = CheckpointPath(dir.path(), 42);
  ASSERT_TRUE(WriteProtoAtomically(ckpt, path).ok());
  ckpt.set_step(43);
  ASSERT_TRUE(WriteProtoAtomically(ckpt, path).ok());  // replaces
  EXPECT_EQ(FilesIn(dir.path()), std::vector<std::string>{"ckpt-0000000042.pb"});
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  proto::Checkpoint back;
  ASSERT_TRUE(ReadProtoFile(path, &back).ok());
  EXPECT_EQ(back.step(), 43);
  absl::StatusOr<Tensor> t = TensorFromProto(back.model(0));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->shape(), (Shape{2, 3}));
  EXPECT_EQ(t->vec(), w.vec());
}

TEST(CheckpointTest, FailedWriteLeavesNothing) {
  testing::TempDir dir;
  std::string blocker = dir.File("not-a-folder");
  std::ofstream(blocker) << "x";
  absl::Status s = WriteProtoAtomically(proto::Checkpoint(), blocker + "/ckpt-1.pb");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(blocker));
  EXPECT_EQ(FilesIn(dir.path()), std::vector<std::string>{"not-a-folder"});
}

TEST(CheckpointTest, TruncatedFileIsDataLoss) {
  testing::TempDir dir;
  proto::Checkpoint ckpt;
  TensorToProto("w", Tensor({100}, 1.0f), ckpt.add_model());
  std::string data = ckpt.SerializeAsString();
  std::string path = dir.File("ckpt-0000000001.pb");
  std::ofstream(path, std::ios::binary) << data.substr(0, data.size() / 2);
  proto::Checkpoint back;
  absl::Status s = ReadProtoFile(path, &back);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr(path));
}

TEST(CheckpointTest, EnsureWritableDirectoryCreatesOrExplains) {
  testing::TempDir dir;
  EXPECT_TRUE(EnsureWritableDirectory(dir.File("a/b/c")).ok());
  std::ofstream(dir.File("file")) << "x";
  absl::Status s = EnsureWritableDirectory(dir.File("file/sub"));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(dir.File("file/sub")));
}

TEST(CheckpointTest, ListResolveAndPrune) {
  testing::TempDir dir;
  for (int step : {5, 100, 20}) {
    ASSERT_TRUE(WriteProtoAtomically(proto::Checkpoint(), CheckpointPath(dir.path(), step)).ok());
  }
  std::ofstream(dir.File("notes.txt")) << "ignored";
  auto latest = ResolveCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, CheckpointPath(dir.path(), 100));
  ASSERT_TRUE(PruneCheckpoints(dir.path(), 2).ok());
  EXPECT_EQ(FilesIn(dir.path()),
            (std::vector<std::string>{"ckpt-0000000020.pb", "ckpt-0000000100.pb", "notes.txt"}));
  EXPECT_FALSE(ResolveCheckpoint(dir.File("missing")).ok());
  testing::TempDir empty;
  EXPECT_THAT(ResolveCheckpoint(empty.path()).status().message(), HasSubstr("no ckpt-"));
}

TEST(CheckpointTest, LoadParametersChecksNamesAndShapes) {
  Tensor w({2, 2}, {1, 2, 3, 4}), gw({2, 2});
  std::vector<Parameter> params = {{"fc.weight", &w, &gw}};
  proto::Checkpoint ckpt;
  SaveParameters(params, &ckpt);
  Tensor w2({2, 2}), gw2({2, 2});
  std::vector<Parameter> same = {{"fc.weight", &w2, &gw2}};
  ASSERT_TRUE(LoadParameters(ckpt, same).ok());
  EXPECT_EQ(w2.vec(), w.vec());
  Tensor w3({4, 1}, 7.0f), gw3({4, 1});
  std::vector<Parameter> other = {{"fc.weight", &w3, &gw3}};
  absl::Status s = LoadParameters(ckpt, other);
  EXPECT_THAT(s.message(), HasSubstr("fc.weight [2, 2]"));
  EXPECT_THAT(s.message(), HasSubstr("[4, 1]"));
  EXPECT_EQ(w3[0], 7.0f) << "a failed load must not change parameters";
}

}  // namespace
}  // namespace syncline::core
