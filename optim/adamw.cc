#include "optim/adamw.h"

#include <cmath>

#include "optim/state_io.h"

namespace syncline::optim {

AdamW::AdamW(std::vector<core::Parameter> params, const AdamWOptions& options)
    : Optimizer(std::move(params)), options_(options) {
  for (const auto& p : params_) {
    m_.emplace_back(p.value->shape());
    v_.emplace_back(p.value->shape());
  }
}

absl::Status AdamW::Step() {
  if (absl::Status s = CheckFiniteGradients(); !s.ok()) return s;
  const double t = static_cast<double>(step_count_ + 1);
  const float b1 = options_.beta1, b2 = options_.beta2, eps = options_.eps;
  const float step_size = static_cast<float>(lr_ / (1.0 - std::pow(b1, t)));
  const float bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(b2, t)));
  const float decay = 1.0f - lr_ * options_.weight_decay;
  for (size_t i = 0; i < params_.size(); ++i) {
    float* x = params_[i].value->data();
    const float* g = params_[i].grad->data();
    float* m = m_[i].data();
    float* v = v_[i].data();
    for (int64_t j = 0; j < params_[i].value->numel(); ++j) {
      x[j] *= decay;
      m[j] = b1 * m[j] + (1.0f - b1) * g[j];
      v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
      x[j] -= step_size * m[j] / (std::sqrt(v[j]) / bc2_sqrt + eps);
    }
  }
  ++step_count_;
  return absl::OkStatus();
}

void AdamW::SaveState(proto::StateProto* state) const {
  Optimizer::SaveState(state);
  PutBuffers("m", params_, m_, state);
  PutBuffers("v", params_, v_, state);
}

absl::Status AdamW::LoadState(const proto::StateProto& state) {
  if (absl::Status s = Optimizer::LoadState(state); !s.ok()) return s;
  if (absl::Status s = GetBuffers(state, "m", params_, &m_); !s.ok()) return s;
  return GetBuffers(state, "v", params_, &v_);
}

}  // namespace syncline::optim
