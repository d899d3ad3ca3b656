// LayerNorm over the last dimension d (PyTorch semantics, biased variance):
//   y = (x - mean) / sqrt(var + eps) * weight + bias,  weight = 1, bias = 0
//   initially. Caches x_hat and 1/std per row for Backward.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/module.h"

namespace syncline::core {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, float eps = 1e-5f);

  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;
  void AppendParameters(const std::string& prefix, std::vector<Parameter>* out) override;

 private:
  int64_t d_;
  float eps_;
  Tensor weight_, bias_, weight_grad_, bias_grad_;
  Tensor xhat_;
  std::vector<float> rstd_;
};

}  // namespace syncline::core
