#include "federated/fedhyper_cl.h"

#include <algorithm>
#include <cmath>

namespace syncline::federated {

ClController::ClController(const ClOptions& options, Weights delta_prev)
    : o_(options), delta_prev_(std::move(delta_prev)), u_prev_(delta_prev_) {}

void ClController::AfterStep(const Weights& u) {
  if (first_) {
    first_ = false;
    if (o_.skip_first_batch) return;
  }
  double gamma = 1.0 + o_.coupling * Dot(u, delta_prev_) / std::max(1, o_.num_sampled) +
                 Dot(u, u_prev_);
  if (!std::isfinite(gamma)) gamma = 1.0;
  gamma = std::min(gamma, o_.growth_cap);
  beta_ = std::clamp(beta_ * gamma, o_.beta_min, o_.beta_max);
  u_prev_ = u;
}

}  // namespace syncline::federated
