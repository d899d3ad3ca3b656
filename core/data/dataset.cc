#include "core/data/dataset.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/check.h"
#include "core/data/idx_reader.h"
#include "core/random.h"

namespace syncline::core {
namespace {

// Fashion-MNIST training-set pixel statistics (pixels scaled to [0, 1]);
// both splits are normalised with these so the model sees mean 0 / std 1.
constexpr float kFashionMean = 0.2860f;
constexpr float kFashionStd = 0.3530f;
constexpr int kFashionClasses = 10;

absl::StatusOr<Dataset> LoadSplit(const std::string& dir, const std::string& prefix) {
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  absl::StatusOr<IdxImages> images = ReadIdxImages(images_path);
  if (!images.ok()) return images.status();
  absl::StatusOr<std::vector<uint8_t>> labels = ReadIdxLabels(labels_path);
  if (!labels.ok()) return labels.status();
  if (static_cast<int64_t>(labels->size()) != images->count) {
    return absl::DataLossError(absl::StrCat(images_path, ": has ", images->count, " images but ",
                                            labels_path, " has ", labels->size(), " labels"));
  }
  Dataset data;
  data.num_classes = kFashionClasses;
  data.labels.resize(labels->size());
  for (size_t i = 0; i < labels->size(); ++i) {
    if ((*labels)[i] >= kFashionClasses) {
      return absl::DataLossError(absl::StrCat(labels_path, ": label ", int{(*labels)[i]}, " at index ", i,
                                              " is out of range [0, ", kFashionClasses, ")"));
    }
    data.labels[i] = (*labels)[i];
  }
  data.images.Resize({images->count, 1, images->rows, images->cols});
  const float scale = 1.0f / (255.0f * kFashionStd), shift = kFashionMean / kFashionStd;
  float* out = data.images.data();
  for (size_t i = 0; i < images->pixels.size(); ++i) out[i] = images->pixels[i] * scale - shift;
  return data;
}

void Truncate(int64_t limit, Dataset* data) {
  if (limit <= 0 || limit >= data->size()) return;
  Shape shape = data->images.shape();
  shape[0] = limit;
  data->images.Resize(shape);  // keeps the first `limit` examples
  data->labels.resize(limit);
}

}  // namespace

absl::StatusOr<DatasetPair> LoadFashionMnist(const std::string& dir) {
  absl::StatusOr<Dataset> train = LoadSplit(dir, "train");
  if (!train.ok()) return train.status();
  absl::StatusOr<Dataset> test = LoadSplit(dir, "t10k");
  if (!test.ok()) return test.status();
  return DatasetPair{std::move(*train), std::move(*test)};
}

// Ten random smooth-ish prototype images; an example is its class prototype
// plus Gaussian noise (std 1.0, prototypes have std ~1), so classes overlap
// a little but are linearly separable enough for quick learning tests.
DatasetPair MakeSyntheticDataset(int64_t train_size, int64_t test_size, uint64_t seed) {
  constexpr int kClasses = 10, kSide = 28;
  constexpr int64_t kPixels = kSide * kSide;
  SplitMix64 proto_rng(HashCombine(seed, 0x5e7));
  std::vector<float> prototypes(kClasses * kPixels);
  for (float& v : prototypes) v = proto_rng.Normal();
  auto make = [&](int64_t n, uint64_t stream) {
    Dataset data;
    data.num_classes = kClasses;
    data.images.Resize({n, 1, kSide, kSide});
    data.labels.resize(n);
    SplitMix64 rng(HashCombine(seed, stream));
    for (int64_t i = 0; i < n; ++i) {
      const int label = static_cast<int>(rng.Below(kClasses));
      data.labels[i] = label;
      float* img = data.images.data() + i * kPixels;
      for (int64_t p = 0; p < kPixels; ++p) img[p] = prototypes[label * kPixels + p] + rng.Normal();
    }
    return data;
  };
  return DatasetPair{make(train_size, 1), make(test_size, 2)};
}

absl::StatusOr<DatasetPair> LoadDataset(const proto::DataConfig& config, uint64_t seed) {
  DatasetPair pair;
  if (config.name() == "fashion_mnist") {
    absl::StatusOr<DatasetPair> loaded = LoadFashionMnist(config.path());
    if (!loaded.ok()) return loaded.status();
    pair = std::move(*loaded);
  } else if (config.name() == "synthetic") {
    if (config.synthetic_train_size() <= 0 || config.synthetic_test_size() <= 0) {
      return absl::InvalidArgumentError("data.synthetic_train_size and data.synthetic_test_size must be > 0");
    }
    pair = MakeSyntheticDataset(config.synthetic_train_size(), config.synthetic_test_size(), seed);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("data.name: unknown dataset '", config.name(),
                                                   "' (expected fashion_mnist or synthetic)"));
  }
  if (config.train_limit() < 0 || config.test_limit() < 0) {
    return absl::InvalidArgumentError("data.train_limit and data.test_limit must be >= 0");
  }
  Truncate(config.train_limit(), &pair.train);
  Truncate(config.test_limit(), &pair.test);
  return pair;
}

void GatherBatch(const Dataset& data, const std::vector<int64_t>& indices, Tensor* x,
                 std::vector<int32_t>* y) {
  Shape shape = data.images.shape();
  SYNCLINE_CHECK_GE(shape.size(), 1u);
  const int64_t example = data.size() > 0 ? data.images.numel() / data.size() : NumElements(data.example_shape());
  shape[0] = static_cast<int64_t>(indices.size());
  x->Resize(shape);
  y->resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t idx = indices[i];
    SYNCLINE_CHECK(idx >= 0 && idx < data.size()) << "index " << idx << " of " << data.size();
    std::memcpy(x->data() + i * example, data.images.data() + idx * example, example * sizeof(float));
    (*y)[i] = data.labels[idx];
  }
}

}  // namespace syncline::core
