// In-memory labelled image datasets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "syncline/model_config.pb.h"

namespace syncline::core {

struct Dataset {
  Tensor images;                  // [N, C, H, W], normalised float
  std::vector<int32_t> labels;    // N values in [0, num_classes)
  int num_classes = 0;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // [C, H, W]
  Shape example_shape() const { return Shape(images.shape().begin() + 1, images.shape().end()); }
};

struct DatasetPair {
  Dataset train;
  Dataset test;
};

// Reads Fashion-MNIST IDX .gz files (train-images-idx3-ubyte.gz,
// train-labels-idx1-ubyte.gz, t10k-...) from `dir`. A missing, truncated or
// corrupt file is an error whose message names the file and the problem.
absl::StatusOr<DatasetPair> LoadFashionMnist(const std::string& dir);

// Deterministic learnable synthetic data shaped like Fashion-MNIST.
DatasetPair MakeSyntheticDataset(int64_t train_size, int64_t test_size, uint64_t seed);

// Loads what DataConfig names (applying train_limit/test_limit).
absl::StatusOr<DatasetPair> LoadDataset(const proto::DataConfig& config, uint64_t seed);

// Copies the examples at `indices` into x ([B, C, H, W]) and y.
void GatherBatch(const Dataset& data, const std::vector<int64_t>& indices, Tensor* x,
                 std::vector<int32_t>* y);

}  // namespace syncline::core
