#include "core/layers/dropout.h"

#include <algorithm>

#include "core/check.h"
#include "core/random.h"

namespace syncline::core {

Dropout::Dropout(float p, uint64_t seed) : p_(p), seed_(seed) {
  SYNCLINE_CHECK(p >= 0.0f && p < 1.0f) << "dropout p " << p;
}

void Dropout::ForwardInto(const Tensor& x, Tensor* y) {
  y->Resize(x.shape());
  active_ = training_ && p_ > 0.0f;
  if (!active_) {
    std::copy(x.data(), x.data() + x.numel(), y->data());
    return;
  }
  scale_.Resize(x.shape());
  const uint64_t stream = HashCombine(seed_, counter_);
  const float keep_scale = 1.0f / (1.0f - p_);
  const float* in = x.data();
  float* out = y->data();
  float* s = scale_.data();
  for (int64_t i = 0; i < x.numel(); ++i) {
    s[i] = UnitFloat(Mix64(stream + static_cast<uint64_t>(i))) >= p_ ? keep_scale : 0.0f;
    out[i] = in[i] * s[i];
  }
}

void Dropout::BackwardInto(const Tensor& dy, Tensor* dx) {
  if (dx == nullptr) return;
  dx->Resize(dy.shape());
  if (!active_) {
    std::copy(dy.data(), dy.data() + dy.numel(), dx->data());
    return;
  }
  SYNCLINE_CHECK_EQ(dy.numel(), scale_.numel());
  for (int64_t i = 0; i < dy.numel(); ++i) (*dx)[i] = dy[i] * scale_[i];
}

}  // namespace syncline::core
