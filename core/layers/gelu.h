// GELU, exact (erf) form as PyTorch's default nn.GELU():
//   y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))),  dy/dx = Phi(x) + x phi(x).
#pragma once

#include "core/module.h"

namespace syncline::core {

class GELU : public Module {
 public:
  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;

 private:
  const Tensor* x_ = nullptr;
};

}  // namespace syncline::core
