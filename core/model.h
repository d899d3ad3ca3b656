// Model: an ordered list of named child modules applied in sequence, plus the
// model zoo built by name from config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/module.h"
#include "syncline/model_config.pb.h"

namespace syncline::core {

class Model : public Module {
 public:
  // Appends a child; its parameters are named "<name>.<local>". Children are
  // applied in the order added.
  void Add(std::string name, std::unique_ptr<Module> child);

  Tensor Forward(const Tensor& x) override;
  // Runs children backward in reverse order; after each child that owns
  // parameters, calls the grad-ready hook (if set) with its parameter range.
  Tensor Backward(const Tensor& dy) override;
  void AppendParameters(const std::string& prefix, std::vector<Parameter>* out) override;
  void SetTraining(bool training) override;

  // All parameters in deterministic order (cached after the first call).
  const std::vector<Parameter>& Parameters();
  int64_t NumParameterElements();
  // Linear/Conv2d statistics slots, in forward order.
  std::vector<Rank1Stats*> Rank1Layers();
  void SetCollectRank1Stats(bool on);
  void SetGradReadyHook(GradReadyHook hook) { grad_ready_hook_ = std::move(hook); }
  void ZeroGrad();

  int num_children() const { return static_cast<int>(children_.size()); }
  Module& child(int i) { return *children_[i].module; }
  const std::string& child_name(int i) const { return children_[i].name; }

 private:
  struct Child {
    std::string name;
    std::unique_ptr<Module> module;
    int first_param = 0;
    int num_params = 0;
  };
  void IndexParameters();

  std::vector<Child> children_;
  std::vector<Parameter> params_;
  bool indexed_ = false;
  GradReadyHook grad_ready_hook_;
};

// Builds "mlp" or "cnn" for inputs of shape example_shape ([C, H, W]) and
// num_classes outputs; weights drawn deterministically from seed. Unknown
// names or bad sizes are InvalidArgument naming the field.
absl::StatusOr<std::unique_ptr<Model>> BuildModel(const proto::ModelConfig& config,
                                                  const Shape& example_shape, int num_classes,
                                                  uint64_t seed);

}  // namespace syncline::core
