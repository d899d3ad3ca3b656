#include "core/layers/layer_norm.h"

#include <cmath>

#include "core/check.h"

namespace syncline::core {

LayerNorm::LayerNorm(int64_t dim, float eps)
    : d_(dim), eps_(eps), weight_({dim}, 1.0f), bias_({dim}), weight_grad_({dim}), bias_grad_({dim}) {
  SYNCLINE_CHECK_GT(d_, 0);
}

void LayerNorm::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK(x.ndim() >= 1 && x.dim(-1) == d_) << "LayerNorm(" << d_ << ") got " << x.ShapeString();
  const int64_t rows = x.numel() / d_;
  y->Resize(x.shape());
  xhat_.Resize(x.shape());
  rstd_.resize(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * d_;
    double sum = 0.0, sq = 0.0;
    for (int64_t i = 0; i < d_; ++i) sum += in[i];
    const double mean = sum / static_cast<double>(d_);
    for (int64_t i = 0; i < d_; ++i) sq += (in[i] - mean) * (in[i] - mean);
    const float rstd = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(d_) + eps_));
    rstd_[r] = rstd;
    float* xh = xhat_.data() + r * d_;
    float* out = y->data() + r * d_;
    const float m = static_cast<float>(mean);
    for (int64_t i = 0; i < d_; ++i) {
      xh[i] = (in[i] - m) * rstd;
      out[i] = xh[i] * weight_[i] + bias_[i];
    }
  }
}

// dx = rstd * (dxh - mean(dxh) - xhat * mean(dxh * xhat)), dxh = dy * weight.
void LayerNorm::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK_EQ(dy.numel(), xhat_.numel());
  const int64_t rows = static_cast<int64_t>(rstd_.size());
  if (dx != nullptr) dx->Resize(xhat_.shape());
  for (int64_t r = 0; r < rows; ++r) {
    const float* d = dy.data() + r * d_;
    const float* xh = xhat_.data() + r * d_;
    float mean_dxh = 0.0f, mean_dxh_xh = 0.0f;
    for (int64_t i = 0; i < d_; ++i) {
      weight_grad_[i] += d[i] * xh[i];
      bias_grad_[i] += d[i];
      const float dxh = d[i] * weight_[i];
      mean_dxh += dxh;
      mean_dxh_xh += dxh * xh[i];
    }
    if (dx == nullptr) continue;
    mean_dxh /= static_cast<float>(d_);
    mean_dxh_xh /= static_cast<float>(d_);
    float* out = dx->data() + r * d_;
    for (int64_t i = 0; i < d_; ++i) out[i] = rstd_[r] * (d[i] * weight_[i] - mean_dxh - xh[i] * mean_dxh_xh);
  }
}

void LayerNorm::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  out->push_back({prefix + "weight", &weight_, &weight_grad_});
  out->push_back({prefix + "bias", &bias_, &bias_grad_});
}

}  // namespace syncline::core
