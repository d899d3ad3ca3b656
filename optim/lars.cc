#include "optim/lars.h"

#include <algorithm>

#include "optim/param_groups.h"
#include "optim/state_io.h"

namespace syncline::optim {

Lars::Lars(std::vector<core::Parameter> params, const LarsOptions& options,
           std::vector<bool> excluded)
    : Optimizer(std::move(params)), options_(options), excluded_(std::move(excluded)) {
  excluded_.resize(params_.size(), false);
  for (const auto& p : params_) velocity_.emplace_back(p.value->shape());
  last_local_lr_.assign(params_.size(), 1.0);
}

absl::StatusOr<std::unique_ptr<Lars>> Lars::Create(const proto::OptimizerConfig& config,
                                                   std::vector<core::Parameter> params) {
  const proto::LarsConfig& c = config.lars();
  std::vector<std::string> regexes(c.exclude_regex().begin(), c.exclude_regex().end());
  auto mask = ExclusionMask(params, c.exclude_1d(), regexes, "optimizer.lars.exclude_regex");
  if (!mask.ok()) return mask.status();
  LarsOptions o;
  o.trust_coef = c.trust_coef();
  o.momentum = config.momentum();
  o.weight_decay = config.weight_decay();
  o.clip_local_lr = c.clip_local_lr();
  return std::make_unique<Lars>(std::move(params), o, *std::move(mask));
}

absl::Status Lars::Step() {
  if (absl::Status s = CheckFiniteGradients(); !s.ok()) return s;
  for (size_t i = 0; i < params_.size(); ++i) {
    const int64_t n = params_[i].value->numel();
    float* w = params_[i].value->data();
    const float* g = params_[i].grad->data();
    float* vel = velocity_[i].data();
    const float wd = excluded_[i] ? 0.0f : options_.weight_decay;
    double local = 1.0;
    if (!excluded_[i]) {
      const double w_norm = Norm(w, n), g_norm = Norm(g, n);
      if (w_norm > 0.0 && g_norm > 0.0) local = options_.trust_coef * w_norm / (g_norm + wd * w_norm);
      if (options_.clip_local_lr) local = std::min(local, 1.0);
    }
    last_local_lr_[i] = local;
    const float scale = static_cast<float>(lr_ * local);
    const float mu = options_.momentum;
    for (int64_t j = 0; j < n; ++j) {
      vel[j] = mu * vel[j] + scale * (g[j] + wd * w[j]);
      w[j] -= vel[j];
    }
  }
  ++step_count_;
  return absl::OkStatus();
}

void Lars::SaveState(proto::StateProto* state) const {
  Optimizer::SaveState(state);
  PutBuffers("velocity", params_, velocity_, state);
}

absl::Status Lars::LoadState(const proto::StateProto& state) {
  if (absl::Status s = Optimizer::LoadState(state); !s.ok()) return s;
  return GetBuffers(state, "velocity", params_, &velocity_);
}

}  // namespace syncline::optim
