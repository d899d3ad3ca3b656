// BuildModel: the "mlp" and "cnn" models of the zoo (see core/model.h).
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/layers/conv2d.h"
#include "core/layers/dropout.h"
#include "core/layers/flatten.h"
#include "core/layers/gelu.h"
#include "core/layers/layer_norm.h"
#include "core/layers/linear.h"
#include "core/layers/max_pool2d.h"
#include "core/layers/relu.h"
#include "core/model.h"
#include "core/random.h"

namespace syncline::core {
namespace {

std::unique_ptr<Module> MakeActivation(const std::string& name) {
  if (name == "gelu") return std::make_unique<GELU>();
  return std::make_unique<ReLU>();
}

absl::Status CheckCommon(const proto::ModelConfig& config, const Shape& example_shape,
                         int num_classes) {
  if (config.activation() != "relu" && config.activation() != "gelu") {
    return absl::InvalidArgumentError(absl::StrCat("model.activation: unknown activation '",
                                                   config.activation(), "' (expected relu or gelu)"));
  }
  if (!(config.dropout() >= 0.0f && config.dropout() < 1.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.dropout: must be in [0, 1), got ", config.dropout()));
  }
  if (num_classes < 2) return absl::InvalidArgumentError(absl::StrCat("model: need >= 2 classes, got ", num_classes));
  if (example_shape.size() != 3 || NumElements(example_shape) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("model: example shape must be [C, H, W], got ", ShapeToString(example_shape)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Model>> BuildMlp(const proto::ModelConfig& config,
                                                const Shape& example_shape, int num_classes,
                                                uint64_t seed) {
  std::vector<int64_t> hidden(config.hidden_sizes().begin(), config.hidden_sizes().end());
  if (hidden.empty()) hidden = {512, 512};
  for (size_t i = 0; i < hidden.size(); ++i) {
    if (hidden[i] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("model.hidden_sizes[", i, "]: must be > 0, got ", hidden[i]));
    }
  }
  auto model = std::make_unique<Model>();
  int64_t width = NumElements(example_shape);
  uint64_t layer = 0;
  model->Add("flatten", std::make_unique<Flatten>());
  for (size_t i = 0; i < hidden.size(); ++i) {
    const std::string idx = std::to_string(i + 1);
    model->Add("fc" + idx, std::make_unique<Linear>(width, hidden[i], true, HashCombine(seed, ++layer)));
    if (config.layer_norm()) model->Add("ln" + idx, std::make_unique<LayerNorm>(hidden[i]));
    model->Add("act" + idx, MakeActivation(config.activation()));
    width = hidden[i];
  }
  if (config.dropout() > 0.0f) {
    model->Add("drop", std::make_unique<Dropout>(config.dropout(), HashCombine(seed, ++layer)));
  }
  model->Add("fc" + std::to_string(hidden.size() + 1),
             std::make_unique<Linear>(width, num_classes, true, HashCombine(seed, ++layer)));
  return model;
}

absl::StatusOr<std::unique_ptr<Model>> BuildCnn(const proto::ModelConfig& config,
                                                const Shape& example_shape, int num_classes,
                                                uint64_t seed) {
  std::vector<int64_t> channels(config.conv_channels().begin(), config.conv_channels().end());
  if (channels.empty()) channels = {32, 64};
  if (channels.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.conv_channels: cnn has 2 conv blocks, got ", channels.size(), " values"));
  }
  for (size_t i = 0; i < 2; ++i) {
    if (channels[i] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("model.conv_channels[", i, "]: must be > 0, got ", channels[i]));
    }
  }
  const int64_t k = config.conv_kernel_size();
  if (k != 3 && k != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("model.conv_kernel_size: must be 3 or 5, got ", k));
  }
  if (config.cnn_hidden() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("model.cnn_hidden: must be > 0, got ", config.cnn_hidden()));
  }
  int64_t h = example_shape[1], w = example_shape[2];
  if (h < 4 || w < 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("model: cnn needs images of at least 4x4, got ", ShapeToString(example_shape)));
  }
  auto model = std::make_unique<Model>();
  int64_t in = example_shape[0];
  uint64_t layer = 0;
  for (int i = 0; i < 2; ++i) {
    const std::string idx = std::to_string(i + 1);
    model->Add("conv" + idx,
               std::make_unique<Conv2d>(in, channels[i], k, 1, k / 2, true, HashCombine(seed, ++layer)));
    // max-pool commutes with the monotone ReLU (same outputs and gradients),
    // so ReLU runs after pooling on 4x fewer elements; GELU is not monotone.
    if (config.activation() == "relu") {
      model->Add("pool" + idx, std::make_unique<MaxPool2d>(2));
      model->Add("act" + idx, MakeActivation(config.activation()));
    } else {
      model->Add("act" + idx, MakeActivation(config.activation()));
      model->Add("pool" + idx, std::make_unique<MaxPool2d>(2));
    }
    in = channels[i];
    h /= 2;
    w /= 2;
  }
  model->Add("flatten", std::make_unique<Flatten>());
  model->Add("fc1", std::make_unique<Linear>(in * h * w, config.cnn_hidden(), true, HashCombine(seed, ++layer)));
  model->Add("act3", MakeActivation(config.activation()));
  if (config.dropout() > 0.0f) {
    model->Add("drop", std::make_unique<Dropout>(config.dropout(), HashCombine(seed, ++layer)));
  }
  model->Add("fc2", std::make_unique<Linear>(config.cnn_hidden(), num_classes, true, HashCombine(seed, ++layer)));
  return model;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> BuildModel(const proto::ModelConfig& config,
                                                  const Shape& example_shape, int num_classes,
                                                  uint64_t seed) {
  if (config.name() != "mlp" && config.name() != "cnn") {
    return absl::InvalidArgumentError(
        absl::StrCat("model.name: unknown model '", config.name(), "' (expected mlp or cnn)"));
  }
  if (absl::Status s = CheckCommon(config, example_shape, num_classes); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Model>> model =
      config.name() == "mlp" ? BuildMlp(config, example_shape, num_classes, seed)
                             : BuildCnn(config, example_shape, num_classes, seed);
  if (model.ok()) (*model)->Parameters();  // fix names and order now
  return model;
}

}  // namespace syncline::core
