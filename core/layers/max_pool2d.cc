#include "core/layers/max_pool2d.h"

#include "core/check.h"

namespace syncline::core {

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride) : k_(kernel), stride_(stride > 0 ? stride : kernel) {
  SYNCLINE_CHECK_GT(k_, 0);
}

void MaxPool2d::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK_EQ(x.ndim(), 4) << x.ShapeString();
  in_shape_ = x.shape();
  const int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t ho = (h - k_) / stride_ + 1, wo = (w - k_) / stride_ + 1;
  SYNCLINE_CHECK(h >= k_ && w >= k_) << "MaxPool2d(" << k_ << ") on " << x.ShapeString();
  y->Resize({x.dim(0), x.dim(1), ho, wo});
  argmax_.resize(planes * ho * wo);
  float* out = y->data();
  int32_t* arg = argmax_.data();
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x.data() + p * h * w;
    for (int64_t oh = 0; oh < ho; ++oh) {
      for (int64_t ow = 0; ow < wo; ++ow, ++out, ++arg) {
        int64_t best = oh * stride_ * w + ow * stride_;
        for (int64_t i = 0; i < k_; ++i) {
          const int64_t base = (oh * stride_ + i) * w + ow * stride_;
          for (int64_t j = 0; j < k_; ++j) {
            if (in[base + j] > in[best]) best = base + j;
          }
        }
        *out = in[best];
        *arg = static_cast<int32_t>(best);
      }
    }
  }
}

void MaxPool2d::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK_EQ(dy.numel(), static_cast<int64_t>(argmax_.size()));
  if (dx == nullptr) return;
  dx->Resize(in_shape_);
  const int64_t h = in_shape_[2], w = in_shape_[3];
  const int64_t planes = in_shape_[0] * in_shape_[1];
  const int64_t plane_out = planes > 0 ? dy.numel() / planes : 0;
  // Non-overlapping windows tiling the whole plane: every input element is
  // written exactly once (dy at the window's arg-max, 0 elsewhere), so the
  // memset of the general path is skipped.
  const bool tiles = stride_ == k_ && h % k_ == 0 && w % k_ == 0;
  if (!tiles) dx->Zero();
  for (int64_t p = 0; p < planes; ++p) {
    float* d = dx->data() + p * h * w;
    const float* g = dy.data() + p * plane_out;
    const int32_t* arg = argmax_.data() + p * plane_out;
    if (!tiles) {
      for (int64_t i = 0; i < plane_out; ++i) d[arg[i]] += g[i];
      continue;
    }
    const int64_t wo = w / k_;
    for (int64_t i = 0; i < plane_out; ++i) {
      const int64_t base = (i / wo) * k_ * w + (i % wo) * k_;
      for (int64_t r = 0; r < k_; ++r) {
        for (int64_t c = 0; c < k_; ++c) d[base + r * w + c] = 0.0f;
      }
      d[arg[i]] = g[i];
    }
  }
}

}  // namespace syncline::core
