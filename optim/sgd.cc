#include "optim/sgd.h"

#include "optim/state_io.h"

namespace syncline::optim {

Sgd::Sgd(std::vector<core::Parameter> params, const SgdOptions& options)
    : Optimizer(std::move(params)), options_(options) {
  if (options_.momentum != 0.0f) {
    for (const auto& p : params_) momentum_.emplace_back(p.value->shape());
  }
}

absl::Status Sgd::Step() {
  if (absl::Status s = CheckFiniteGradients(); !s.ok()) return s;
  const float lr = lr_, mu = options_.momentum, wd = options_.weight_decay;
  const float damp = 1.0f - options_.dampening;
  const bool first = step_count_ == 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    float* x = params_[i].value->data();
    const float* g = params_[i].grad->data();
    const int64_t n = params_[i].value->numel();
    if (mu == 0.0f) {
      for (int64_t j = 0; j < n; ++j) x[j] -= lr * (g[j] + wd * x[j]);
      continue;
    }
    float* buf = momentum_[i].data();
    for (int64_t j = 0; j < n; ++j) {
      const float d = g[j] + wd * x[j];
      buf[j] = first ? d : mu * buf[j] + damp * d;
      x[j] -= lr * (options_.nesterov ? d + mu * buf[j] : buf[j]);
    }
  }
  ++step_count_;
  return absl::OkStatus();
}

void Sgd::SaveState(proto::StateProto* state) const {
  Optimizer::SaveState(state);
  for (size_t i = 0; i < momentum_.size(); ++i) {
    PutTensor("momentum/" + params_[i].name, momentum_[i], state);
  }
}

absl::Status Sgd::LoadState(const proto::StateProto& state) {
  if (absl::Status s = Optimizer::LoadState(state); !s.ok()) return s;
  for (size_t i = 0; i < momentum_.size(); ++i) {
    if (absl::Status s = GetTensor(state, "momentum/" + params_[i].name, &momentum_[i]); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace syncline::optim
