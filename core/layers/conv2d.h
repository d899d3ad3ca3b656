// Conv2d: square kernel k, stride s, zero padding p, optional bias.
//   x [N, C_in, H, W] -> y [N, C_out, Ho, Wo], Ho = (H + 2p - k) / s + 1.
//   W is stored as a matrix [C_out, C_in*k*k] (row = one output channel's
//   filter in (c, ki, kj) order, same element order as PyTorch's
//   [C_out, C_in, k, k]); b [C_out].
// The batch is processed in chunks of samples whose column matrix
// [C_in*k*k, S*L] (L = Ho*Wo, im2col; sample s owns columns [s*L, (s+1)*L))
// is about 2 MiB, so im2col, GEMM and col2im stay in cache: one GEMM per
// chunk forward (bias fused by seeding the output), and per chunk in
// Backward the input is unfolded again (cheaper than keeping a batch-sized
// column matrix), dW += dy * cols^T and, if wanted, dx = col2im(W^T * dy).
// Like Linear it keeps a pointer to x (see module.h).
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
  ConvGeometry Geometry() const;
  int64_t ChunkSamples() const;
  void UnfoldChunk(int64_t first, int64_t count);
  void AccumulateStats(int64_t cl);

  int64_t cin_, cout_, k_, stride_, pad_;
  bool has_bias_;
  Tensor weight_, bias_, weight_grad_, bias_grad_;
  const Tensor* x_ = nullptr;
  Shape in_shape_;
  int64_t ho_ = 0, wo_ = 0;
  Tensor cols_;    // [C_in*k*k, S*L] chunk columns (Backward: also dcols)
  Tensor buffer_;  // [C_out, S*L]: chunk GEMM output / gathered dy
  Rank1Stats stats_;
};

}  // namespace syncline::core
