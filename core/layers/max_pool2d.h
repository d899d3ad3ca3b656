// MaxPool2d: kernel k, stride s (default s = k), no padding.
//   x [N, C, H, W] -> y [N, C, (H-k)/s+1, (W-k)/s+1]. Ties go to the first
//   maximum in row-major window order (as PyTorch); Backward routes dy there.
#pragma once

#include <cstdint>
#include <vector>

#include "core/module.h"

namespace syncline::core {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0);

  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;

 private:
  int64_t k_, stride_;
  Shape in_shape_;
  std::vector<int32_t> argmax_;  // per output: index within its input plane
};

}  // namespace syncline::core
