#include "core/layers/conv2d.h"

#include <cblas.h>

#include <algorithm>

#include "core/check.h"
#include "core/layers/init.h"

namespace syncline::core {
namespace {

// Target size of one chunk's column matrix: small enough to stay in cache
// between im2col, the GEMM and col2im, large enough for efficient GEMMs.
constexpr int64_t kChunkBytes = int64_t{2} << 20;

}  // namespace

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

// Samples per chunk: about kChunkBytes of columns, balanced so that the
// chunks of the batch are of (nearly) equal size.
int64_t Conv2d::ChunkSamples() const {
  const int64_t n = in_shape_[0];
  const int64_t bytes_per_sample = cin_ * k_ * k_ * ho_ * wo_ * static_cast<int64_t>(sizeof(float));
  const int64_t most = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, bytes_per_sample));
  const int64_t chunks = std::max<int64_t>(1, (n + most - 1) / most);
  return std::max<int64_t>(1, (n + chunks - 1) / chunks);
}

// Unfolds samples [first, first + count) of *x_ into cols_ [ckk, count*L].
void Conv2d::UnfoldChunk(int64_t first, int64_t count) {
  const int64_t l = ho_ * wo_, in_numel = cin_ * in_shape_[2] * in_shape_[3];
  // Sized for a full chunk every time: a short last chunk must not shrink the
  // vector, or the next step's regrowth would zero-fill it again.
  cols_.Resize({cin_ * k_ * k_, ChunkSamples() * l});
  const ConvGeometry g = Geometry();
  for (int64_t s = 0; s < count; ++s) {
    Im2Col(g, x_->data() + (first + s) * in_numel, cols_.data() + s * l, count * l);
  }
}

void Conv2d::ForwardInto(const Tensor& x, Tensor* y) {
  SYNCLINE_CHECK(x.ndim() == 4 && x.dim(1) == cin_)
      << "Conv2d(" << cin_ << " channels) got " << x.ShapeString();
  x_ = &x;
  in_shape_ = x.shape();
  const int64_t n = x.dim(0);
  ho_ = (x.dim(2) + 2 * pad_ - k_) / stride_ + 1;
  wo_ = (x.dim(3) + 2 * pad_ - k_) / stride_ + 1;
  SYNCLINE_CHECK(ho_ > 0 && wo_ > 0) << "Conv2d kernel " << k_ << " too large for " << x.ShapeString();
  const int64_t l = ho_ * wo_, ckk = cin_ * k_ * k_;
  y->Resize({n, cout_, ho_, wo_});
  const int64_t chunk = ChunkSamples();
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t count = std::min(chunk, n - first), cl = count * l;
    UnfoldChunk(first, count);
    // out[cout, count*L] = bias (broadcast) + W[cout, ckk] * cols[ckk, count*L]
    buffer_.Resize({cout_, chunk * l});
    for (int64_t c = 0; c < cout_; ++c) {
      std::fill(buffer_.data() + c * cl, buffer_.data() + (c + 1) * cl, has_bias_ ? bias_[c] : 0.0f);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout_, cl, ckk, 1.0f, weight_.data(), ckk,
                cols_.data(), cl, 1.0f, buffer_.data(), cl);
    for (int64_t s = 0; s < count; ++s) {  // [cout, count, L] -> NCHW
      for (int64_t c = 0; c < cout_; ++c) {
        const float* src = buffer_.data() + c * cl + s * l;
        std::copy(src, src + l, y->data() + ((first + s) * cout_ + c) * l);
      }
    }
  }
}

// Per chunk: gather dy into [cout, count*L], re-unfold the input (cheaper
// than keeping a batch-sized column matrix), dW += dy * cols^T, and when the
// input gradient is wanted dcols = W^T * dy folded back by col2im.
void Conv2d::BackwardInto(const Tensor& dy, Tensor* dx) {
  SYNCLINE_CHECK(x_ != nullptr) << "Conv2d::Backward before Forward";
  const int64_t n = in_shape_[0], l = ho_ * wo_, ckk = cin_ * k_ * k_;
  const int64_t in_numel = cin_ * in_shape_[2] * in_shape_[3];
  SYNCLINE_CHECK_EQ(dy.numel(), n * cout_ * l) << dy.ShapeString();
  if (dx != nullptr) dx->Resize(in_shape_);
  if (collect_rank1_stats_) {
    stats_.a.Resize({ckk + (has_bias_ ? 1 : 0)});
    stats_.g.Resize({cout_});
    stats_.a.Zero();
    stats_.g.Zero();
  }
  const ConvGeometry g = Geometry();
  const int64_t chunk = ChunkSamples();
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t count = std::min(chunk, n - first), cl = count * l;
    buffer_.Resize({cout_, chunk * l});  // full-chunk size, see UnfoldChunk
    for (int64_t c = 0; c < cout_; ++c) {
      float sum = 0.0f;
      for (int64_t s = 0; s < count; ++s) {
        const float* src = dy.data() + ((first + s) * cout_ + c) * l;
        float* dst = buffer_.data() + c * cl + s * l;
        for (int64_t i = 0; i < l; ++i) {
          dst[i] = src[i];
          sum += src[i];
        }
      }
      if (has_bias_) bias_grad_[c] += sum;
    }
    UnfoldChunk(first, count);
    if (collect_rank1_stats_) AccumulateStats(cl);
    // dW[cout, ckk] += dy[cout, cl] * cols[ckk, cl]^T
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout_, ckk, cl, 1.0f, buffer_.data(), cl,
                cols_.data(), cl, 1.0f, weight_grad_.data(), ckk);
    if (dx == nullptr) continue;
    // dcols[ckk, cl] = W^T * dy, written over cols_, then folded back.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, cl, cout_, 1.0f, weight_.data(), ckk,
                buffer_.data(), cl, 0.0f, cols_.data(), cl);
    float* dst = dx->data() + first * in_numel;
    std::fill(dst, dst + count * in_numel, 0.0f);
    for (int64_t s = 0; s < count; ++s) Col2ImAdd(g, cols_.data() + s * l, cl, dst + s * in_numel);
  }
  if (collect_rank1_stats_) {
    const float inv_nl = n > 0 ? 1.0f / static_cast<float>(n * l) : 0.0f;
    for (int64_t j = 0; j < ckk; ++j) stats_.a[j] *= inv_nl;
    if (has_bias_) stats_.a[ckk] = 1.0f;
    for (int64_t c = 0; c < cout_; ++c) stats_.g[c] /= static_cast<float>(l);
  }
}

// Adds this chunk's row sums of cols_ (patches) to a and of the gathered dy
// to g; BackwardInto scales them to a = mean patch vector over samples and
// positions, g = mean over samples of n * sum_spatial(dy) / L
// = sum over (samples, positions) of dy / L.
void Conv2d::AccumulateStats(int64_t cl) {
  const int64_t ckk = cin_ * k_ * k_;
  for (int64_t j = 0; j < ckk; ++j) {
    const float* row = cols_.data() + j * cl;
    double sum = 0.0;
    for (int64_t i = 0; i < cl; ++i) sum += row[i];
    stats_.a[j] += static_cast<float>(sum);
  }
  for (int64_t c = 0; c < cout_; ++c) {
    const float* row = buffer_.data() + c * cl;
    double sum = 0.0;
    for (int64_t i = 0; i < cl; ++i) sum += row[i];
    stats_.g[c] += static_cast<float>(sum);
  }
}

void Conv2d::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  stats_.layer = prefix.empty() || prefix.back() != '.' ? prefix : prefix.substr(0, prefix.size() - 1);
  out->push_back({prefix + "weight", &weight_, &weight_grad_});
  if (has_bias_) out->push_back({prefix + "bias", &bias_, &bias_grad_});
}

}  // namespace syncline::core
