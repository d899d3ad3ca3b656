// Flatten: [N, d1, d2, ...] -> [N, d1*d2*...]. Copies into the output buffer
// (the Module contract hands out separate buffers).
#pragma once

#include "core/module.h"

namespace syncline::core {

class Flatten : public Module {
 public:
  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;

 private:
  Shape in_shape_;
};

}  // namespace syncline::core
