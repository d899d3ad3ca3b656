// ReLU: y = max(x, 0), elementwise, any shape.
#pragma once

#include "core/module.h"

namespace syncline::core {

class ReLU : public Module {
 public:
  void ForwardInto(const Tensor& x, Tensor* y) override;
  // dx = dy where x > 0, else 0.
  void BackwardInto(const Tensor& dy, Tensor* dx) override;

 private:
  const Tensor* x_ = nullptr;
};

}  // namespace syncline::core
