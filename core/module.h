// Module: a differentiable layer or a composition of layers.
//
// Contract:
//  - Forward(x) computes the output and caches what Backward needs.
//  - Backward(dy) takes dL/d(output) of the last Forward, ADDS the parameter
//    gradients into each Parameter's grad (callers zero them between steps),
//    and returns dL/d(input).
//  - AppendParameters lists parameters as (name, value, grad) in a fixed order
//    that depends only on the model's structure, so it is identical on every
//    rank. Pointers stay valid for the module's lifetime.
// Modules are not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace syncline::core {

struct Parameter {
  std::string name;  // e.g. "fc1.weight"
  Tensor* value = nullptr;
  Tensor* grad = nullptr;
};

// Batch statistics a Kronecker-factored optimizer (MKOR) needs from a Linear
// or Conv2d layer, filled on Backward while collection is enabled
// (see specs/mkor.md section 2). `a` includes a trailing 1 when the layer has
// a bias; `g` is already multiplied by the number of rows.
struct Rank1Stats {
  std::string layer;        // parameter prefix, e.g. "fc1"
  Tensor* weight = nullptr;  // [d_out, d_in] (Conv2d: [c_out, c_in*k*k])
  Tensor* weight_grad = nullptr;
  Tensor* bias_grad = nullptr;  // null without bias
  Tensor a;                 // [d_in (+1)] mean input row
  Tensor g;                 // [d_out] mean scaled output-gradient row
};

class Module {
 public:
  virtual ~Module() = default;

  virtual Tensor Forward(const Tensor& x) = 0;
  virtual Tensor Backward(const Tensor& dy) = 0;

  // Appends this module's parameters; names are prefix + local name.
  virtual void AppendParameters(const std::string& /*prefix*/, std::vector<Parameter>* /*out*/) {}

  // Training mode enables dropout and statistics collection.
  virtual void SetTraining(bool training) { training_ = training; }
  bool training() const { return training_; }

  // Linear and Conv2d return their rank-1 statistics slot; others return null.
  // Statistics are only computed while collect_rank1_stats is true.
  virtual Rank1Stats* rank1_stats() { return nullptr; }
  void set_collect_rank1_stats(bool on) { collect_rank1_stats_ = on; }

 protected:
  bool training_ = true;
  bool collect_rank1_stats_ = false;
};

// Called during Backward after a contiguous range of parameters (indices into
// the model's Parameters() order) has its final gradient, in reverse layer
// order. DataParallel uses it to start bucket allreduces during backward.
using GradReadyHook = std::function<void(int first_param, int num_params)>;

}  // namespace syncline::core
