#include "core/layers/conv2d.h"

#include <cblas.h>

#include <algorithm>

#include "core/check.h"
#include "core/layers/im2col.h"
#include "core/layers/init.h"

namespace syncline::core {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
               int64_t padding, bool bias, uint64_t seed)
    : cin_(in_channels),
      cout_(out_channels),
      k_(kernel),
      stride_(stride),
      pad_(padding),
      has_bias_(bias),
      weight_({out_channels, in_channels * kernel * kernel}),
      weight_grad_({out_channels, in_channels * kernel * kernel}) {
  SYNCLINE_CHECK(cin_ > 0 && cout_ > 0 && k_ > 0 && stride_ > 0 && pad_ >= 0);
  SplitMix64 rng(seed);
  KaimingUniform(cin_ * k_ * k_, &rng, &weight_);
  if (has_bias_) {
    bias_ = Tensor({cout_});
    bias_grad_ = Tensor({cout_});
    KaimingUniform(cin_ * k_ * k_, &rng, &bias_);
  }
  stats_.weight = &weight_;
  stats_.weight_grad = &weight_grad_;
  stats_.bias_grad = has_bias_ ? &bias_grad_ : nullptr;
}

ConvGeometry Conv2d::Geometry() const {
  return ConvGeometry{cin_, in_shape_[2], in_shape_[3], k_, stride_, pad_, ho_, wo_};
}

void Conv2d::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK(x.ndim() == 4 && x.dim(1) == cin_)
      << "Conv2d(" << cin_ << " channels) got " << x.ShapeString();
  in_shape_ = x.shape();
  const int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
  ho_ = (h + 2 * pad_ - k_) / stride_ + 1;
  wo_ = (w + 2 * pad_ - k_) / stride_ + 1;
  SYNCLINE_CHECK(ho_ > 0 && wo_ > 0) << "Conv2d kernel " << k_ << " too large for " << x.ShapeString();
  const int64_t l = ho_ * wo_, nl = n * l, ckk = cin_ * k_ * k_;
  const ConvGeometry g = Geometry();
  cols_.Resize({ckk, nl});
  for (int64_t s = 0; s < n; ++s) Im2Col(g, x.data() + s * cin_ * h * w, cols_.data() + s * l, nl);
  y->Resize({n, cout_, ho_, wo_});
  if (n == 0) return;
  // One GEMM for the whole batch: out[cout, N*L] = W[cout, ckk] * cols[ckk, N*L],
  // then scatter to NCHW adding the bias.
  buffer_.Resize({cout_, nl});
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout_, nl, ckk, 1.0f, weight_.data(), ckk,
              cols_.data(), nl, 0.0f, buffer_.data(), nl);
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t c = 0; c < cout_; ++c) {
      const float* src = buffer_.data() + c * nl + s * l;
      float* dst = y->data() + (s * cout_ + c) * l;
      const float b = has_bias_ ? bias_[c] : 0.0f;
      for (int64_t i = 0; i < l; ++i) dst[i] = src[i] + b;
    }
  }
}

void Conv2d::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(!in_shape_.empty()) << "Conv2d::Backward before Forward";
  const int64_t n = in_shape_[0], l = ho_ * wo_, nl = n * l, ckk = cin_ * k_ * k_;
  SYNCLINE_CHECK_EQ(dy.numel(), n * cout_ * l) << dy.ShapeString();
  // Gather dy [N, cout, L] into buffer_ [cout, N*L]; bias grad on the way.
  buffer_.Resize({cout_, nl});
  for (int64_t c = 0; c < cout_; ++c) {
    float sum = 0.0f;
    for (int64_t s = 0; s < n; ++s) {
      const float* src = dy.data() + (s * cout_ + c) * l;
      float* dst = buffer_.data() + c * nl + s * l;
      for (int64_t i = 0; i < l; ++i) {
        dst[i] = src[i];
        sum += src[i];
      }
    }
    if (has_bias_) bias_grad_[c] += sum;
  }
  if (collect_rank1_stats_) CollectStats();
  if (n > 0) {
    // dW[cout, ckk] += dy[cout, N*L] * cols[ckk, N*L]^T
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout_, ckk, nl, 1.0f, buffer_.data(), nl,
                cols_.data(), nl, 1.0f, weight_grad_.data(), ckk);
  }
  if (dx == nullptr) return;
  dx->Resize(in_shape_);
  dx->Zero();
  if (n == 0) return;
  // dcols[ckk, N*L] = W[cout, ckk]^T * dy[cout, N*L], written over cols_
  // (no longer needed), then folded back per sample.
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, nl, cout_, 1.0f, weight_.data(), ckk,
              buffer_.data(), nl, 0.0f, cols_.data(), nl);
  const ConvGeometry g = Geometry();
  const int64_t in_numel = cin_ * in_shape_[2] * in_shape_[3];
  for (int64_t s = 0; s < n; ++s) Col2ImAdd(g, cols_.data() + s * l, nl, dx->data() + s * in_numel);
}

// a = mean over samples and positions of the patch vectors (+1 for bias);
// g = mean over samples of n * sum_spatial(dy) / L = sum over (n, L) of dy / L.
// Reads cols_ and the gathered dy in buffer_.
void Conv2d::CollectStats() {
  const int64_t n = in_shape_[0], l = ho_ * wo_, nl = n * l, ckk = cin_ * k_ * k_;
  stats_.a.Resize({ckk + (has_bias_ ? 1 : 0)});
  stats_.g.Resize({cout_});
  const float inv_nl = nl > 0 ? 1.0f / static_cast<float>(nl) : 0.0f;
  for (int64_t j = 0; j < ckk; ++j) {
    const float* row = cols_.data() + j * nl;
    double sum = 0.0;
    for (int64_t i = 0; i < nl; ++i) sum += row[i];
    stats_.a[j] = static_cast<float>(sum) * inv_nl;
  }
  if (has_bias_) stats_.a[ckk] = 1.0f;
  for (int64_t c = 0; c < cout_; ++c) {
    const float* row = buffer_.data() + c * nl;
    double sum = 0.0;
    for (int64_t i = 0; i < nl; ++i) sum += row[i];
    stats_.g[c] = static_cast<float>(sum / static_cast<double>(l));
  }
}

void Conv2d::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  stats_.layer = prefix.empty() || prefix.back() != '.' ? prefix : prefix.substr(0, prefix.size() - 1);
  out->push_back({prefix + "weight", &weight_, &weight_grad_});
  if (has_bias_) out->push_back({prefix + "bias", &bias_, &bias_grad_});
}

}  // namespace syncline::core
