#include "optim/optimizer.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace syncline::optim {

void Optimizer::ZeroGrad() {
  for (auto& p : params_) p.grad->Zero();
}

absl::Status Optimizer::CheckFiniteGradients() const {
  for (const auto& p : params_) {
    const float* g = p.grad->data();
    for (int64_t i = 0; i < p.grad->numel(); ++i) {
      if (!std::isfinite(g[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat("non-finite gradient in ", p.name, " at element ", i, " (", g[i], ")"));
      }
    }
  }
  return absl::OkStatus();
}

void Optimizer::SaveState(proto::StateProto* state) const {
  (*state->mutable_scalars())["lr"] = lr_;
  (*state->mutable_scalars())["step_count"] = static_cast<double>(step_count_);
}

absl::Status Optimizer::LoadState(const proto::StateProto& state) {
  auto it = state.scalars().find("step_count");
  if (it == state.scalars().end()) {
    return absl::InvalidArgumentError("optimizer state has no step_count");
  }
  step_count_ = static_cast<int64_t>(it->second);
  auto lr = state.scalars().find("lr");
  if (lr != state.scalars().end()) lr_ = static_cast<float>(lr->second);
  return absl::OkStatus();
}

}  // namespace syncline::optim
