#include "comm/compress/powersgd.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "comm/compress/linalg.h"
#include "comm/compress/rng.h"

namespace syncline::comm::compress {
namespace {

constexpr uint64_t kQStream = 0x51;      // Q at first use or after a setting change
constexpr uint64_t kProbeStream = 0x9e;  // error-table probes

void FillGaussian(core::Tensor& t, uint64_t seed) {
  Rng rng(seed);
  for (float& v : t.vec()) v = rng.Gaussian();
}

}  // namespace

PowerSgdCompressor::PowerSgdCompressor(const proto::CompressionConfig& config)
    : warm_start_(config.powersgd_warm_start()),
      seed_(static_cast<uint64_t>(config.lgreco_seed())),
      error_iters_(config.lgreco_power_iters()),
      svd_errors_(config.lgreco_error_method() == "svd") {}

int64_t PowerSgdCompressor::EffectiveRank(int64_t rows, int64_t cols, double setting) {
  return std::max<int64_t>(1, std::min({rows, cols, static_cast<int64_t>(setting)}));
}

int64_t PowerSgdCompressor::WireBytes(int64_t rows, int64_t cols, double setting) const {
  return 4 * EffectiveRank(rows, cols, setting) * (rows + cols);
}

std::vector<double> PowerSgdCompressor::Errors(const float* a, int64_t rows, int64_t cols,
                                               const std::vector<double>& settings,
                                               int layer) const {
  std::vector<double> errors;
  errors.reserve(settings.size());
  if (svd_errors_) {
    const std::vector<double> sigma = SingularValues(a, rows, cols);
    for (double s : settings) {
      double tail = 0.0;
      for (size_t i = EffectiveRank(rows, cols, s); i < sigma.size(); ++i) tail += sigma[i] * sigma[i];
      errors.push_back(std::sqrt(tail));
    }
    return errors;
  }
  std::vector<float> approx(rows * cols);
  for (double s : settings) {
    const int64_t r = EffectiveRank(rows, cols, s);
    core::Tensor q({cols, r}), p({rows, r});
    FillGaussian(q, StreamSeed(seed_, kProbeStream, layer, r));
    for (int it = 0; it < error_iters_; ++it) {
      Orthonormalise(q.data(), cols, r);
      MatMul(a, q.data(), p.data(), rows, cols, r);
      Orthonormalise(p.data(), rows, r);
      MatMulTransA(a, p.data(), q.data(), cols, rows, r);
    }
    MatMulTransB(p.data(), q.data(), approx.data(), rows, r, cols);
    errors.push_back(FrobeniusDistance(approx.data(), a, rows * cols));
  }
  return errors;
}

core::Tensor& PowerSgdCompressor::QFor(int layer, int64_t cols, int64_t rank, int64_t step) {
  if (static_cast<int>(q_.size()) <= layer) q_.resize(layer + 1);
  core::Tensor& q = q_[layer];
  if (!warm_start_ || q.numel() != cols * rank) {
    q = core::Tensor({cols, rank});
    FillGaussian(q, StreamSeed(seed_, kQStream, static_cast<uint64_t>(step), layer));
  }
  return q;
}

absl::Status PowerSgdCompressor::Reduce(int64_t step, std::vector<LayerStep>& layers,
                                        Communicator& comm) {
  int64_t p_total = 0, q_total = 0;
  std::vector<int64_t> ranks(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    ranks[i] = EffectiveRank(layers[i].rows, layers[i].cols, layers[i].setting);
    p_total += layers[i].rows * ranks[i];
    q_total += layers[i].cols * ranks[i];
  }
  std::vector<float> p_buf(p_total), q_buf(q_total);
  // P = M orthonormalise(Q), all layers into one buffer.
  int64_t p_off = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerStep& l = layers[i];
    core::Tensor& q = QFor(l.layer, l.cols, ranks[i], step);
    Orthonormalise(q.data(), l.cols, ranks[i]);
    MatMul(l.m, q.data(), p_buf.data() + p_off, l.rows, l.cols, ranks[i]);
    p_off += l.rows * ranks[i];
  }
  AllreduceOptions options;
  options.tag = "powersgd P";
  absl::Status status = comm.Allreduce(p_buf.data(), p_total, options);
  if (!status.ok()) return status;
  // Q = M^T orthonormalise(P).
  p_off = 0;
  int64_t q_off = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerStep& l = layers[i];
    float* p = p_buf.data() + p_off;
    Orthonormalise(p, l.rows, ranks[i]);
    MatMulTransA(l.m, p, q_buf.data() + q_off, l.cols, l.rows, ranks[i]);
    p_off += l.rows * ranks[i];
    q_off += l.cols * ranks[i];
  }
  options.tag = "powersgd Q";
  status = comm.Allreduce(q_buf.data(), q_total, options);
  if (!status.ok()) return status;
  const float inv_world = 1.0f / static_cast<float>(comm.size());
  for (float& v : q_buf) v *= inv_world;
  // M̂ = P Q^T (identical on all ranks); residual = M - M̂; keep Q for the warm start.
  p_off = 0;
  q_off = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerStep& l = layers[i];
    const float* q = q_buf.data() + q_off;
    MatMulTransB(p_buf.data() + p_off, q, l.avg, l.rows, ranks[i], l.cols);
    for (int64_t k = 0; k < l.numel(); ++k) l.m[k] -= l.avg[k];
    std::copy(q, q + l.cols * ranks[i], q_[l.layer].data());
    p_off += l.rows * ranks[i];
    q_off += l.cols * ranks[i];
  }
  return absl::OkStatus();
}

void PowerSgdCompressor::OnSettingChanged(int layer) {
  if (layer < static_cast<int>(q_.size())) q_[layer] = core::Tensor();
}

void PowerSgdCompressor::SetQ(int layer, core::Tensor q) {
  if (static_cast<int>(q_.size()) <= layer) q_.resize(layer + 1);
  q_[layer] = std::move(q);
}

const core::Tensor* PowerSgdCompressor::q(int layer) const {
  return layer < static_cast<int>(q_.size()) ? &q_[layer] : nullptr;
}

void PowerSgdCompressor::SaveState(const std::vector<std::string>& names,
                                   proto::StateProto* state) const {
  for (size_t i = 0; i < q_.size() && i < names.size(); ++i) {
    if (q_[i].empty()) continue;
    proto::TensorProto* t = state->add_tensors();
    t->set_name(absl::StrCat("powersgd_q/", names[i]));
    for (int64_t d : q_[i].shape()) t->add_shape(d);
    t->set_data(q_[i].data(), q_[i].numel() * sizeof(float));
  }
}

absl::Status PowerSgdCompressor::LoadState(const std::vector<std::string>& names,
                                           const proto::StateProto& state) {
  q_.assign(names.size(), core::Tensor());
  for (const proto::TensorProto& t : state.tensors()) {
    if (t.name().rfind("powersgd_q/", 0) != 0) continue;
    const std::string name = t.name().substr(11);
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("compressor state: unknown layer \"", name, "\""));
    }
    core::Shape shape(t.shape().begin(), t.shape().end());
    if (shape.size() != 2 || static_cast<int64_t>(t.data().size()) !=
                                 core::NumElements(shape) * static_cast<int64_t>(sizeof(float))) {
      return absl::InvalidArgumentError(absl::StrCat("compressor state: bad Q for \"", name, "\""));
    }
    core::Tensor q(shape);
    std::memcpy(q.data(), t.data().data(), t.data().size());
    q_[it - names.begin()] = std::move(q);
  }
  return absl::OkStatus();
}

}  // namespace syncline::comm::compress
