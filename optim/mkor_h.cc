#include "optim/mkor_h.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "optim/state_io.h"

namespace syncline::optim::mkor {

SwitchDetector::SwitchDetector(const proto::MkorHConfig& config)
    : config_(config), history_(config.window() + 1, 0.0) {}

bool SwitchDetector::Observe(int64_t t, double loss) {
  if (switched_) return true;
  const double rho = config_.ema();
  last_ = observed_ == 0 ? loss : rho * last_ + (1.0 - rho) * loss;
  if (observed_ == 0) first_ = last_;
  const int64_t w = config_.window();
  history_[t % (w + 1)] = last_;
  ++observed_;
  bool now = config_.force_step() > 0 && t >= config_.force_step();
  if (!now && t % config_.check_every() == 0 && t >= std::max<int64_t>(config_.min_steps(), w) &&
      t > 0) {
    const double recent = (history_[(t - w) % (w + 1)] - last_) / w;
    const double phase = (first_ - last_) / t;
    hits_ = recent < config_.ratio() * std::max(phase, 0.0) ? hits_ + 1 : 0;
    now = hits_ >= config_.patience();
  }
  if (now) {
    switched_ = true;
    switch_step_ = t;
  }
  return switched_;
}

bool SwitchDetector::CheckForce(int64_t t) {
  if (!switched_ && config_.force_step() > 0 && t >= config_.force_step()) {
    switched_ = true;
    switch_step_ = t;
  }
  return switched_;
}

void SwitchDetector::SaveState(const std::string& prefix, proto::StateProto* state) const {
  // The ring holds doubles; store them as two floats each (hi, lo) so resume is exact.
  core::Tensor hi({static_cast<int64_t>(history_.size())}), lo({static_cast<int64_t>(history_.size())});
  for (size_t i = 0; i < history_.size(); ++i) {
    hi[i] = static_cast<float>(history_[i]);
    lo[i] = static_cast<float>(history_[i] - static_cast<double>(hi[i]));
  }
  PutTensor(prefix + "history_hi", hi, state);
  PutTensor(prefix + "history_lo", lo, state);
  PutScalar(prefix + "first", first_, state);
  PutScalar(prefix + "last", last_, state);
  PutScalar(prefix + "observed", static_cast<double>(observed_), state);
  PutScalar(prefix + "hits", hits_, state);
  PutScalar(prefix + "switched", switched_ ? 1 : 0, state);
  PutScalar(prefix + "switch_step", static_cast<double>(switch_step_), state);
}

absl::Status SwitchDetector::LoadState(const proto::StateProto& state, const std::string& prefix) {
  core::Tensor hi({static_cast<int64_t>(history_.size())}), lo({static_cast<int64_t>(history_.size())});
  if (absl::Status s = GetTensor(state, prefix + "history_hi", &hi); !s.ok()) return s;
  if (absl::Status s = GetTensor(state, prefix + "history_lo", &lo); !s.ok()) return s;
  for (size_t i = 0; i < history_.size(); ++i) history_[i] = static_cast<double>(hi[i]) + lo[i];
  double v[6];
  const char* names[6] = {"first", "last", "observed", "hits", "switched", "switch_step"};
  for (int i = 0; i < 6; ++i) {
    auto got = GetScalar(state, prefix + names[i]);
    if (!got.ok()) return got.status();
    v[i] = *got;
  }
  first_ = v[0];
  last_ = v[1];
  observed_ = static_cast<int64_t>(v[2]);
  hits_ = static_cast<int>(v[3]);
  switched_ = v[4] != 0;
  switch_step_ = static_cast<int64_t>(v[5]);
  return absl::OkStatus();
}

}  // namespace syncline::optim::mkor
