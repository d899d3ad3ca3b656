#include "core/layers/linear.h"

#include <cblas.h>

#include <algorithm>

#include "core/check.h"
#include "core/layers/init.h"

namespace syncline::core {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, uint64_t seed)
    : in_(in_features),
      out_(out_features),
      has_bias_(bias),
      weight_({out_features, in_features}),
      weight_grad_({out_features, in_features}) {
  SYNCLINE_CHECK(in_ > 0 && out_ > 0) << in_ << "x" << out_;
  SplitMix64 rng(seed);
  KaimingUniform(in_, &rng, &weight_);
  if (has_bias_) {
    bias_ = Tensor({out_});
    bias_grad_ = Tensor({out_});
    KaimingUniform(in_, &rng, &bias_);
  }
  stats_.weight = &weight_;
  stats_.weight_grad = &weight_grad_;
  stats_.bias_grad = has_bias_ ? &bias_grad_ : nullptr;
}

void Linear::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK(x.ndim() >= 1 && x.dim(-1) == in_) << "Linear(" << in_ << ") got " << x.ShapeString();
  x_ = &x;
  const int64_t rows = x.numel() / in_;
  Shape shape = x.shape();
  shape.back() = out_;
  y->Resize(shape);
  float* out = y->data();
  if (has_bias_) {
    for (int64_t r = 0; r < rows; ++r) std::copy(bias_.data(), bias_.data() + out_, out + r * out_);
  }
  if (rows == 0) return;
  // y[rows, out] (+)= x[rows, in] * W[out, in]^T
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out_, in_, 1.0f, x.data(), in_,
              weight_.data(), in_, has_bias_ ? 1.0f : 0.0f, out, out_);
}

void Linear::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(x_ != nullptr) << "Linear::Backward before Forward";
  const Tensor& x = *x_;
  const int64_t rows = x.numel() / in_;
  SYNCLINE_CHECK_EQ(dy.numel(), rows * out_) << dy.ShapeString();
  if (rows > 0) {
    // dW[out, in] += dy[rows, out]^T * x[rows, in]
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out_, in_, rows, 1.0f, dy.data(), out_,
                x.data(), in_, 1.0f, weight_grad_.data(), in_);
  }
  if (has_bias_) {
    float* db = bias_grad_.data();
    for (int64_t r = 0; r < rows; ++r) {
      const float* d = dy.data() + r * out_;
      for (int64_t o = 0; o < out_; ++o) db[o] += d[o];
    }
  }
  if (collect_rank1_stats_) CollectStats(dy, rows);
  if (dx == nullptr) return;
  dx->Resize(x.shape());
  if (rows == 0) return;
  // dx[rows, in] = dy[rows, out] * W[out, in]
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, in_, out_, 1.0f, dy.data(), out_,
              weight_.data(), in_, 0.0f, dx->data(), in_);
}

// a = mean input row (+1 for bias); g = n * mean grad_out row = column sums.
void Linear::CollectStats(const Tensor& dy, int64_t rows) {
  const Tensor& x = *x_;
  stats_.a.Resize({in_ + (has_bias_ ? 1 : 0)});
  stats_.g.Resize({out_});
  stats_.a.Zero();
  stats_.g.Zero();
  float* a = stats_.a.data();
  float* g = stats_.g.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x.data() + r * in_;
    for (int64_t i = 0; i < in_; ++i) a[i] += xr[i];
    const float* d = dy.data() + r * out_;
    for (int64_t o = 0; o < out_; ++o) g[o] += d[o];
  }
  const float inv = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int64_t i = 0; i < in_; ++i) a[i] *= inv;
  if (has_bias_) a[in_] = 1.0f;
}

void Linear::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  stats_.layer = prefix.empty() || prefix.back() != '.' ? prefix : prefix.substr(0, prefix.size() - 1);
  out->push_back({prefix + "weight", &weight_, &weight_grad_});
  if (has_bias_) out->push_back({prefix + "bias", &bias_, &bias_grad_});
}

}  // namespace syncline::core
