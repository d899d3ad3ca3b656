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
  // applied in the order added. Add all children before the first Forward.
  void Add(std::string name, std::unique_ptr<Module> child);

  // Copies x into a model-owned buffer (so the caller's x may die before
  // Backward), then runs the children; intermediate outputs live in buffers
  // owned by the model and reused across steps. In training mode each
  // Forward advances rng_counter() by one.
  void ForwardInto(const Tensor& x, Tensor* y) override;
  // Runs children backward in reverse order; after each child that owns
  // parameters, calls the grad-ready hook (if set) with its parameter range.
  // Writes dL/dinput into *dx when dx != nullptr and compute_input_grad().
  void BackwardInto(const Tensor& dy, Tensor* dx) override;
  // ForwardInto already copies the input, so Forward need not.
  Tensor Forward(const Tensor& x) override {
    Tensor y;
    ForwardInto(x, &y);
    return y;
  }
  // Returns dL/dinput, or an empty tensor when !compute_input_grad().
  using Module::Backward;

  void AppendParameters(const std::string& prefix, std::vector<Parameter>* out) override;
  void SetTraining(bool training) override;
  void SetRngCounter(uint64_t counter) override { rng_counter_ = counter; }

  // All parameters in deterministic order (cached after the first call).
  const std::vector<Parameter>& Parameters();
  int64_t NumParameterElements();
  // Linear/Conv2d statistics slots, in forward order.
  std::vector<Rank1Stats*> Rank1Layers();
  void SetCollectRank1Stats(bool on);
  void SetGradReadyHook(GradReadyHook hook) { grad_ready_hook_ = std::move(hook); }
  void ZeroGrad();

  // Whether Backward computes dL/dinput (default true: FAL's PGD needs it).
  // Training loops should turn it off: it skips the input GEMM of the first
  // layer with parameters and the backward of the parameterless layers in
  // front of it (e.g. flatten).
  bool compute_input_grad() const { return compute_input_grad_; }
  void set_compute_input_grad(bool on) { compute_input_grad_ = on; }

  // Number of training Forwards so far; the dropout masks of the next Forward
  // depend only on it (and the build seed). Save it in checkpoints.
  uint64_t rng_counter() const { return rng_counter_; }
  void set_rng_counter(uint64_t counter) { rng_counter_ = counter; }

  int num_children() const { return static_cast<int>(children_.size()); }
  Module& child(int i) { return *children_[i].module; }
  const std::string& child_name(int i) const { return children_[i].name; }

 private:
  struct Child {
    std::string name;
    std::unique_ptr<Module> module;
    int first_param = 0;
    int num_params = 0;
    Tensor out;   // this child's output (input of the next)
    Tensor grad;  // dL/d(this child's input)
  };
  void IndexParameters();

  std::vector<Child> children_;
  std::vector<Parameter> params_;
  bool indexed_ = false;
  bool compute_input_grad_ = true;
  uint64_t rng_counter_ = 0;
  Tensor input_;
  GradReadyHook grad_ready_hook_;
};

// Builds "mlp" or "cnn" for inputs of shape example_shape ([C, H, W]) and
// num_classes outputs; weights drawn deterministically from seed. Unknown
// names or bad sizes are InvalidArgument naming the field.
//   mlp: flatten, then per hidden size h_i: fc{i} (+ ln{i} LayerNorm) + act{i};
//        drop (if dropout > 0); fc{k+1} -> classes. Default hidden 512, 512.
//   cnn: conv1 act1 pool1 conv2 act2 pool2 (k x k convs, padding k/2, 2x2
//        max pools), flatten, fc1 -> cnn_hidden, act3, drop, fc2 -> classes.
//        With relu the pool runs before the activation (pool1 act1): the
//        same function and gradients, on 4x fewer activation elements.
absl::StatusOr<std::unique_ptr<Model>> BuildModel(const proto::ModelConfig& config,
                                                  const Shape& example_shape, int num_classes,
                                                  uint64_t seed);

}  // namespace syncline::core
