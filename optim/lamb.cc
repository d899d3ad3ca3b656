#include "optim/lamb.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "optim/param_groups.h"
#include "optim/state_io.h"

namespace syncline::optim {

Lamb::Lamb(std::vector<core::Parameter> params, const LambOptions& options,
           std::vector<bool> excluded)
    : Optimizer(std::move(params)), options_(options), excluded_(std::move(excluded)) {
  excluded_.resize(params_.size(), false);
  int64_t largest = 0;
  for (const auto& p : params_) {
    m_.emplace_back(p.value->shape());
    v_.emplace_back(p.value->shape());
    largest = std::max(largest, p.value->numel());
  }
  update_.resize(largest);
  last_trust_.assign(params_.size(), 1.0);
}

absl::StatusOr<std::unique_ptr<Lamb>> Lamb::Create(const proto::OptimizerConfig& config,
                                                   std::vector<core::Parameter> params) {
  const proto::LambConfig& c = config.lamb();
  std::vector<std::string> regexes(c.exclude_regex().begin(), c.exclude_regex().end());
  auto mask = ExclusionMask(params, c.exclude_1d(), regexes, "optimizer.lamb.exclude_regex");
  if (!mask.ok()) return mask.status();
  LambOptions o;
  o.beta1 = c.beta1();
  o.beta2 = c.beta2();
  o.eps = c.eps();
  o.weight_decay = config.weight_decay();
  o.bias_correction = c.bias_correction();
  o.l2_mode = c.wd_mode() == "l2";
  o.phi_min = c.phi_min();
  o.phi_max = c.phi_max();
  o.adapt_excluded = c.adapt_excluded();
  o.global_clip_norm = c.global_clip_norm();
  return std::make_unique<Lamb>(std::move(params), o, *std::move(mask));
}

absl::Status Lamb::Step() {
  if (absl::Status s = CheckFiniteGradients(); !s.ok()) return s;
  float grad_scale = 1.0f;
  if (options_.global_clip_norm > 0.0f) {
    double sq = 0.0;
    for (const auto& p : params_) sq += SquaredNorm(p.grad->data(), p.grad->numel());
    const double global = std::sqrt(sq);
    if (global > options_.global_clip_norm) {
      grad_scale = static_cast<float>(options_.global_clip_norm / global);
    }
  }
  const double t = static_cast<double>(step_count_ + 1);
  const double bc1 = options_.bias_correction ? 1.0 - std::pow(options_.beta1, t) : 1.0;
  const double bc2 = options_.bias_correction ? 1.0 - std::pow(options_.beta2, t) : 1.0;
  for (size_t i = 0; i < params_.size(); ++i) StepParameter(i, grad_scale, bc1, bc2);
  ++step_count_;
  return absl::OkStatus();
}

void Lamb::StepParameter(size_t i, float grad_scale, double bc1, double bc2) {
  const int64_t n = params_[i].value->numel();
  if (n == 0) return;
  float* x = params_[i].value->data();
  const float* g = params_[i].grad->data();
  float* m = m_[i].data();
  float* v = v_[i].data();
  float* u = update_.data();
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const float wd = excluded_[i] ? 0.0f : options_.weight_decay;
  const float l2 = options_.l2_mode ? wd : 0.0f;
  const float decoupled = options_.l2_mode ? 0.0f : wd;
  const float inv_bc1 = static_cast<float>(1.0 / bc1);
  const float inv_bc2 = static_cast<float>(1.0 / bc2);
  for (int64_t j = 0; j < n; ++j) {
    const float gj = g[j] * grad_scale + l2 * x[j];
    m[j] = b1 * m[j] + (1.0f - b1) * gj;
    v[j] = b2 * v[j] + (1.0f - b2) * gj * gj;
    u[j] = (m[j] * inv_bc1) / (std::sqrt(v[j] * inv_bc2) + eps) + decoupled * x[j];
  }
  double trust = 1.0;
  if (!excluded_[i] || options_.adapt_excluded) {
    double x_norm = Norm(x, n);
    const double u_norm = Norm(u, n);
    if (x_norm > 0.0 && u_norm > 0.0) {
      const double hi = options_.phi_max > 0 ? options_.phi_max : std::numeric_limits<double>::infinity();
      x_norm = std::min(std::max(x_norm, static_cast<double>(options_.phi_min)), hi);
      trust = x_norm / u_norm;
    }
  }
  last_trust_[i] = trust;
  const float step = static_cast<float>(lr_ * trust);
  for (int64_t j = 0; j < n; ++j) x[j] -= step * u[j];
}

void Lamb::SaveState(proto::StateProto* state) const {
  Optimizer::SaveState(state);
  PutBuffers("m", params_, m_, state);
  PutBuffers("v", params_, v_, state);
}

absl::Status Lamb::LoadState(const proto::StateProto& state) {
  if (absl::Status s = Optimizer::LoadState(state); !s.ok()) return s;
  if (absl::Status s = GetBuffers(state, "m", params_, &m_); !s.ok()) return s;
  return GetBuffers(state, "v", params_, &v_);
}

}  // namespace syncline::optim
