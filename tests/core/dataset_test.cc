// Synthetic data, GatherBatch, LoadDataset and the real Fashion-MNIST files.
#include "core/data/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace syncline::core {
namespace {

TEST(SyntheticDatasetTest, DeterministicFromSeed) {
  DatasetPair a = MakeSyntheticDataset(64, 16, 3), b = MakeSyntheticDataset(64, 16, 3);
  DatasetPair c = MakeSyntheticDataset(64, 16, 4);
  EXPECT_EQ(a.train.images.vec(), b.train.images.vec());
  EXPECT_EQ(a.test.labels, b.test.labels);
  EXPECT_NE(a.train.images.vec(), c.train.images.vec());
  EXPECT_EQ(a.train.images.shape(), (Shape{64, 1, 28, 28}));
  EXPECT_EQ(a.train.num_classes, 10);
  for (int32_t y : a.train.labels) EXPECT_TRUE(y >= 0 && y < 10);
}

TEST(DatasetTest, GatherBatch) {
  DatasetPair d = MakeSyntheticDataset(10, 2, 1);
  Tensor x;
  std::vector<int32_t> y;
  GatherBatch(d.train, {7, 2}, &x, &y);
  EXPECT_EQ(x.shape(), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(y, (std::vector<int32_t>{d.train.labels[7], d.train.labels[2]}));
  EXPECT_EQ(x[784], d.train.images[2 * 784]);
  EXPECT_EQ(x[783], d.train.images[7 * 784 + 783]);
}

TEST(LoadDatasetTest, SyntheticWithLimits) {
  proto::DataConfig config;
  config.set_name("synthetic");
  config.set_synthetic_train_size(100);
  config.set_train_limit(30);
  auto d = LoadDataset(config, 1);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->train.size(), 30);
  EXPECT_EQ(d->train.images.dim(0), 30);
  EXPECT_EQ(d->test.size(), 512);
}

TEST(LoadDatasetTest, UnknownNameAndMissingPath) {
  proto::DataConfig config;
  config.set_name("cifar");
  EXPECT_EQ(LoadDataset(config, 1).status().message(),
            "data.name: unknown dataset 'cifar' (expected fashion_mnist or synthetic)");
  config.set_name("fashion_mnist");
  config.set_path("/nonexistent/dir");
  auto d = LoadDataset(config, 1);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(d.status().message()),
              ::testing::HasSubstr("/nonexistent/dir/train-images-idx3-ubyte.gz: cannot open"));
}

TEST(LoadDatasetTest, RealFashionMnistIsNormalised) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "no " << dir;
  auto d = LoadFashionMnist(dir);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->train.images.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(d->test.size(), 10000);
  double sum = 0, sq = 0;
  for (float v : d->train.images.vec()) {
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(d->train.images.numel());
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(sq / n - (sum / n) * (sum / n)), 1.0, 0.01);
}

}  // namespace
}  // namespace syncline::core
