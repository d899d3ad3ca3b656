#include "core/layers/flatten.h"

#include <algorithm>

#include "core/check.h"

namespace syncline::core {

void Flatten::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK_GE(x.ndim(), 1);
  in_shape_ = x.shape();
  const int64_t n = x.dim(0);
  y->Resize({n, n > 0 ? x.numel() / n : NumElements(Shape(in_shape_.begin() + 1, in_shape_.end()))});
  std::copy(x.data(), x.data() + x.numel(), y->data());
}

void Flatten::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK_EQ(dy.numel(), NumElements(in_shape_));
  if (dx == nullptr) return;
  dx->Resize(in_shape_);
  std::copy(dy.data(), dy.data() + dy.numel(), dx->data());
}

}  // namespace syncline::core
