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

void Conv2d::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK(x.ndim() == 4 && x.dim(1) == cin_)
      << "Conv2d(" << cin_ << " channels) got " << x.ShapeString();
  in_shape_ = x.shape();
  const int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
  ho_ = (h + 2 * pad_ - k_) / stride_ + 1;
  wo_ = (w + 2 * pad_ - k_) / stride_ + 1;
  SYNCLINE_CHECK(ho_ > 0 && wo_ > 0) << "Conv2d kernel " << k_ << " too large for " << x.ShapeString();
  const int64_t l = ho_ * wo_, ckk = cin_ * k_ * k_;
  const ConvGeometry g{cin_, h, w, k_, stride_, pad_, ho_, wo_};
  cols_.Resize({n, ckk, l});
  y->Resize({n, cout_, ho_, wo_});
  for (int64_t s = 0; s < n; ++s) {
    float* cols = cols_.data() + s * ckk * l;
    float* out = y->data() + s * cout_ * l;
    Im2Col(g, x.data() + s * cin_ * h * w, cols);
    for (int64_t c = 0; c < cout_; ++c) std::fill(out + c * l, out + (c + 1) * l, has_bias_ ? bias_[c] : 0.0f);
    // y_n[cout, L] += W[cout, ckk] * cols_n[ckk, L]
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout_, l, ckk, 1.0f, weight_.data(), ckk,
                cols, l, 1.0f, out, l);
  }
}

void Conv2d::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(!in_shape_.empty()) << "Conv2d::Backward before Forward";
  const int64_t n = in_shape_[0], h = in_shape_[2], w = in_shape_[3];
  const int64_t l = ho_ * wo_, ckk = cin_ * k_ * k_;
  SYNCLINE_CHECK_EQ(dy.numel(), n * cout_ * l) << dy.ShapeString();
  const ConvGeometry g{cin_, h, w, k_, stride_, pad_, ho_, wo_};
  if (dx != nullptr) {
    dx->Resize(in_shape_);
    dx->Zero();
    dcols_.Resize({ckk, l});
  }
  for (int64_t s = 0; s < n; ++s) {
    const float* d = dy.data() + s * cout_ * l;
    const float* cols = cols_.data() + s * ckk * l;
    // dW[cout, ckk] += dy_n[cout, L] * cols_n[ckk, L]^T
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout_, ckk, l, 1.0f, d, l, cols, l, 1.0f,
                weight_grad_.data(), ckk);
    if (has_bias_) {
      for (int64_t c = 0; c < cout_; ++c) {
        float sum = 0.0f;
        for (int64_t i = 0; i < l; ++i) sum += d[c * l + i];
        bias_grad_[c] += sum;
      }
    }
    if (dx == nullptr) continue;
    // dcols[ckk, L] = W[cout, ckk]^T * dy_n[cout, L]
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, l, cout_, 1.0f, weight_.data(), ckk, d, l,
                0.0f, dcols_.data(), l);
    Col2ImAdd(g, dcols_.data(), dx->data() + s * cin_ * h * w);
  }
  if (collect_rank1_stats_) CollectStats(dy);
}

// a = mean over samples and positions of the patch vectors (+1 for bias);
// g = mean over samples of n * sum_spatial(dy) / L = sum over (n, L) of dy / L.
void Conv2d::CollectStats(const Tensor& dy) {
  const int64_t n = in_shape_[0], l = ho_ * wo_, ckk = cin_ * k_ * k_;
  stats_.a.Resize({ckk + (has_bias_ ? 1 : 0)});
  stats_.g.Resize({cout_});
  stats_.a.Zero();
  stats_.g.Zero();
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t j = 0; j < ckk; ++j) {
      const float* row = cols_.data() + (s * ckk + j) * l;
      float sum = 0.0f;
      for (int64_t i = 0; i < l; ++i) sum += row[i];
      stats_.a[j] += sum;
    }
    for (int64_t c = 0; c < cout_; ++c) {
      const float* row = dy.data() + (s * cout_ + c) * l;
      float sum = 0.0f;
      for (int64_t i = 0; i < l; ++i) sum += row[i];
      stats_.g[c] += sum;
    }
  }
  const float inv_nl = n > 0 ? 1.0f / static_cast<float>(n * l) : 0.0f;
  for (int64_t j = 0; j < ckk; ++j) stats_.a[j] *= inv_nl;
  if (has_bias_) stats_.a[ckk] = 1.0f;
  for (int64_t c = 0; c < cout_; ++c) stats_.g[c] /= static_cast<float>(l);
}

void Conv2d::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  stats_.layer = prefix.empty() || prefix.back() != '.' ? prefix : prefix.substr(0, prefix.size() - 1);
  out->push_back({prefix + "weight", &weight_, &weight_grad_});
  if (has_bias_) out->push_back({prefix + "bias", &bias_, &bias_grad_});
}

}  // namespace syncline::core
