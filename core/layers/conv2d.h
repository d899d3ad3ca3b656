// Conv2d: square kernel k, stride s, zero padding p, optional bias.
//   x [N, C_in, H, W] -> y [N, C_out, Ho, Wo], Ho = (H + 2p - k) / s + 1.
//   W is stored as a matrix [C_out, C_in*k*k] (row = one output channel's
//   filter in (c, ki, kj) order, same element order as PyTorch's
//   [C_out, C_in, k, k]); b [C_out].
// Forward unfolds the whole batch into one column matrix [C_in*k*k, N*L]
// (L = Ho*Wo, im2col; sample n owns columns [n*L, (n+1)*L)), kept for
// Backward, and runs ONE GEMM for the batch (large GEMMs keep OpenBLAS's
// threads busy; per-sample GEMMs were measured slower). Backward runs one
// GEMM each for dW and the input gradient (which reuses the column buffer,
// so exactly one Backward may follow each Forward).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/layers/im2col.h"
#include "core/module.h"

namespace syncline::core {

class Conv2d : public Module {
 public:
  // Weights and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in*k*k.
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
         int64_t padding, bool bias, uint64_t seed);

  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;
  void AppendParameters(const std::string& prefix, std::vector<Parameter>* out) override;
  Rank1Stats* rank1_stats() override { return &stats_; }

  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }

 private:
  void CollectStats();
  ConvGeometry Geometry() const;

  int64_t cin_, cout_, k_, stride_, pad_;
  bool has_bias_;
  Tensor weight_, bias_, weight_grad_, bias_grad_;
  Shape in_shape_;
  int64_t ho_ = 0, wo_ = 0;
  Tensor cols_;    // [C_in*k*k, N*L] of the last Forward (Backward: dcols)
  Tensor buffer_;  // [C_out, N*L]: GEMM output (Forward), gathered dy (Backward)
  Rank1Stats stats_;
};

}  // namespace syncline::core
