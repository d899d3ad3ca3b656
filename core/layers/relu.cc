#include "core/layers/relu.h"

#include "core/check.h"

namespace syncline::core {

void ReLU::ForwardInto(const Tensor& x, Tensor* y) {
  x_ = &x;
  y->Resize(x.shape());
  const float* in = x.data();
  float* out = y->data();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void ReLU::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(x_ != nullptr) << "ReLU::Backward before Forward";
  SYNCLINE_CHECK_EQ(dy.numel(), x_->numel());
  if (dx == nullptr) return;
  dx->Resize(x_->shape());
  const float* in = x_->data();
  const float* d = dy.data();
  float* out = dx->data();
  const int64_t n = dy.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? d[i] : 0.0f;
}

}  // namespace syncline::core
