#include "core/layers/gelu.h"

#include <cmath>

#include "core/check.h"

namespace syncline::core {
namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

void GELU::ForwardInto(const Tensor& x, Tensor* y) {
  x_ = &x;
  y->Resize(x.shape());
  const float* in = x.data();
  float* out = y->data();
  for (int64_t i = 0; i < x.numel(); ++i) out[i] = 0.5f * in[i] * (1.0f + std::erf(in[i] * kInvSqrt2));
}

void GELU::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(x_ != nullptr) << "GELU::Backward before Forward";
  SYNCLINE_CHECK_EQ(dy.numel(), x_->numel());
  if (dx == nullptr) return;
  dx->Resize(x_->shape());
  const float* in = x_->data();
  const float* d = dy.data();
  float* out = dx->data();
  for (int64_t i = 0; i < dy.numel(); ++i) {
    const float v = in[i];
    const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * std::exp(-0.5f * v * v);
    out[i] = d[i] * (cdf + v * pdf);
  }
}

}  // namespace syncline::core
