// Bad input as a new user would try it, against the real binary: each must be
// a clear one-line error naming what is wrong, a non-zero exit (no crash) and
// no checkpoint left behind.
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/launch/run_binary.h"
#include "tests/support/temp_dir.h"

namespace syncline::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kFmnist[] = "/usr/share/datasets/fashion-mnist";

// A small synthetic config that trains in well under a second.
constexpr char kTinyConfig[] = R"(
model { name: "mlp" hidden_sizes: [16] }
data { name: "synthetic" synthetic_train_size: 256 synthetic_test_size: 64 }
optimizer { name: "sgd" lr: 0.1 }
train { epochs: 1 batch_size: 32 threads: 1 }
logging { progress: "off" }
)";

class CliErrorsTest : public ::testing::Test {
 protected:
  std::string Config(const std::string& text) {
    std::string path = dir_.File("run.textproto");
    WriteFile(path, text);
    return path;
  }
  BinaryResult Train(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"train", "--config", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunSyncline(args, dir_.path());
  }
  // Exit code 1, exactly one line on stderr, containing every fragment.
  void ExpectOneLineError(const BinaryResult& r, const std::vector<std::string>& fragments) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, StartsWith("syncline train: "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    for (const std::string& f : fragments) EXPECT_THAT(r.err, HasSubstr(f));
  }
  TempDir dir_;
};

TEST_F(CliErrorsTest, MissingDatasetFolder) {
  BinaryResult r = Train(Config(kTinyConfig), {"--set", "data.name=fashion_mnist", "--set",
                                               "data.path=" + dir_.File("no-such-dir")});
  ExpectOneLineError(r, {dir_.File("no-such-dir")});
}

TEST_F(CliErrorsTest, TruncatedIdxFile) {
  std::string data = dir_.File("fmnist");
  std::filesystem::create_directory(data);
  for (const char* f : {"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                        "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz"}) {
    std::filesystem::copy_file(std::string(kFmnist) + "/" + f, data + "/" + f);
  }
  std::filesystem::resize_file(data + "/train-images-idx3-ubyte.gz", 100000);
  BinaryResult r =
      Train(Config(kTinyConfig), {"--set", "data.name=fashion_mnist", "--set", "data.path=" + data});
  ExpectOneLineError(r, {"train-images-idx3-ubyte.gz"});
}

TEST_F(CliErrorsTest, ConfigTypoNamesFileLineColumnAndField) {
  std::string path = Config("train {\n  epoch: 3\n}\n");
  ExpectOneLineError(Train(path), {path + ":2:3:", "epoch"});
}

TEST_F(CliErrorsTest, WrongValueTypeNamesField) {
  std::string path = Config("train {\n  batch_size: \"large\"\n}\n");
  ExpectOneLineError(Train(path), {path + ":2:15:", "train.batch_size"});
  ExpectOneLineError(Train(Config(kTinyConfig), {"--set", "train.epochs=3x"}),
                     {"--set train.epochs=3x", "train.epochs"});
}

TEST_F(CliErrorsTest, BatchSizeZero) {
  ExpectOneLineError(Train(Config(kTinyConfig), {"--set", "train.batch_size=0"}),
                     {"train.batch_size", "must be >= 1"});
}

TEST_F(CliErrorsTest, UnknownModelName) {
  std::string text = kTinyConfig;
  text.replace(text.find("\"mlp\""), 5, "\"resnet50\"");
  std::string path = Config(text);
  ExpectOneLineError(Train(path), {path + ":2:", "model.name", "resnet50"});
}

TEST_F(CliErrorsTest, UnwritableCheckpointFolderFailsBeforeTraining) {
  std::string blocker = dir_.File("a-file");
  WriteFile(blocker, "x");
  BinaryResult r = Train(Config(kTinyConfig), {"--set", "checkpoint.dir=" + blocker + "/ckpt",
                                               "--set", "checkpoint.every_steps=1"});
  ExpectOneLineError(r, {"checkpoint.dir", blocker + "/ckpt"});
  EXPECT_THAT(r.out, Not(HasSubstr("test_accuracy"))) << "must fail before training";
}

TEST_F(CliErrorsTest, CorruptResumeCheckpointIsNamed) {
  std::string ckpt = dir_.File("ckpt-0000000001.pb");
  WriteFile(ckpt, "this is not a checkpoint");
  ExpectOneLineError(Train(Config(kTinyConfig), {"--resume", ckpt}), {ckpt});
  ExpectOneLineError(Train(Config(kTinyConfig), {"--resume", dir_.File("missing")}),
                     {dir_.File("missing")});
}

TEST_F(CliErrorsTest, UsageErrorsExitTwo) {
  BinaryResult r = RunSyncline({"train"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing required flag --config"));
  r = RunSyncline({"train", "--config", Config(kTinyConfig), "--bogus"}, dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --bogus"));
  r = RunSyncline({"train", "--config", dir_.File("nope.textproto")}, dir_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(dir_.File("nope.textproto")));
}

TEST_F(CliErrorsTest, UnwritableMetricsFile) {
  ExpectOneLineError(Train(Config(kTinyConfig), {"--metrics", dir_.File("no/such/m.jsonl")}),
                     {dir_.File("no/such/m.jsonl")});
}

}  // namespace
}  // namespace syncline::testing
