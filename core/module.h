// Module: a differentiable layer or a composition of layers.
//
// Contract:
//  - ForwardInto(x, &y) computes the output into y (resized; its capacity is
//    reused, so a steady-state step allocates nothing) and caches what
//    Backward needs. Layers keep a POINTER to x: the caller must keep x alive
//    and unchanged until the matching Backward (Model guarantees this by
//    owning every intermediate buffer).
//  - BackwardInto(dy, dx) takes dL/d(output) of the last Forward, ADDS the
//    parameter gradients into each Parameter's grad (callers zero them between
//    steps), and writes dL/d(input) into *dx. dx == nullptr means the input
//    gradient is not needed and is skipped (saves a GEMM in the first layer).
//  - Forward/Backward are value-returning conveniences over the above;
//    Forward keeps its own copy of x.
//  - AppendParameters lists parameters as (name, value, grad) in a fixed order
//    that depends only on the model's structure, so it is identical on every
//    rank. Pointers stay valid for the module's lifetime.
// Modules are not thread-safe.
#pragma once

#include <cstdint>
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
//   Linear:  a = mean over input rows; g = n * mean over grad_out rows.
//   Conv2d:  a = mean over samples of the per-sample mean patch vector;
//            g = mean over samples of n * sum_spatial(grad_out) / L.
// Both are recomputed (overwritten) by every Backward while enabled.
struct Rank1Stats {
  std::string layer;         // parameter prefix, e.g. "fc1"
  Tensor* weight = nullptr;  // [d_out, d_in] (Conv2d: [c_out, c_in*k*k])
  Tensor* weight_grad = nullptr;
  Tensor* bias_grad = nullptr;  // null without bias
  Tensor a;                     // [d_in (+1)] mean input row
  Tensor g;                     // [d_out] mean scaled output-gradient row
};

class Module {
 public:
  virtual ~Module() = default;

  virtual void ForwardInto(const Tensor& x, Tensor* y) = 0;
  virtual void BackwardInto(const Tensor& dy, Tensor* dx) = 0;

  // Copies x into a module-owned buffer first, so (unlike ForwardInto) the
  // caller may pass a temporary.
  virtual Tensor Forward(const Tensor& x) {
    owned_input_ = x;
    Tensor y;
    ForwardInto(owned_input_, &y);
    return y;
  }
  virtual Tensor Backward(const Tensor& dy) {
    Tensor dx;
    BackwardInto(dy, &dx);
    return dx;
  }

  // Appends this module's parameters; names are prefix + local name.
  virtual void AppendParameters(const std::string& /*prefix*/, std::vector<Parameter>* /*out*/) {}

  // Training mode enables dropout.
  virtual void SetTraining(bool training) { training_ = training; }
  bool training() const { return training_; }

  // Counter-based randomness (Dropout): the random stream of the next
  // Forward is a pure function of (layer seed, counter, element), so a
  // checkpoint that stores the counter resumes bit-for-bit. Model sets it.
  virtual void SetRngCounter(uint64_t /*counter*/) {}

  // Linear and Conv2d return their rank-1 statistics slot; others return null.
  // Statistics are only computed while collect_rank1_stats is true.
  virtual Rank1Stats* rank1_stats() { return nullptr; }
  void set_collect_rank1_stats(bool on) { collect_rank1_stats_ = on; }
  bool collect_rank1_stats() const { return collect_rank1_stats_; }

 protected:
  bool training_ = true;
  bool collect_rank1_stats_ = false;

 private:
  Tensor owned_input_;
};

// Called during Backward after a contiguous range of parameters (indices into
// the model's Parameters() order) has its final gradient, in reverse layer
// order. DataParallel uses it to start bucket allreduces during backward.
using GradReadyHook = std::function<void(int first_param, int num_params)>;

}  // namespace syncline::core
