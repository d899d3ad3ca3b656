#include "optim/schedule.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/check.h"

namespace syncline::optim {
namespace {

bool KnownDecay(const std::string& d) {
  return d == "constant" || d == "step" || d == "cosine" || d == "polynomial" ||
         d == "google_bert" || d == "nvidia_pt";
}

}  // namespace

absl::Status ValidateScheduleConfig(const proto::ScheduleConfig& c) {
  std::vector<std::string> errors;
  if (!KnownDecay(c.decay())) {
    errors.push_back(absl::StrCat("schedule.decay: unknown \"", c.decay(),
                                  "\" (constant, step, cosine, polynomial, google_bert, nvidia_pt)"));
  }
  if (c.warmup_steps() < 0) errors.push_back("schedule.warmup_steps: must be >= 0");
  if (c.warmup_fraction() < 0 || c.warmup_fraction() >= 1) {
    errors.push_back("schedule.warmup_fraction: must be in [0, 1)");
  }
  if (c.step_size() <= 0) errors.push_back("schedule.step_size: must be > 0");
  if (!(c.step_gamma() > 0)) errors.push_back("schedule.step_gamma: must be > 0");
  if (!(c.power() > 0)) errors.push_back("schedule.power: must be > 0");
  if (c.min_lr() < 0) errors.push_back("schedule.min_lr: must be >= 0");
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

LrSchedule::LrSchedule(const proto::ScheduleConfig& config, float base_lr, int64_t total_steps)
    : config_(config), base_(base_lr), total_(static_cast<double>(total_steps)) {
  absl::Status s = ValidateScheduleConfig(config);
  SYNCLINE_CHECK(s.ok()) << s.message();
  warmup_ = config.warmup_steps() > 0 ? config.warmup_steps() : config.warmup_fraction() * total_;
}

float LrSchedule::LrAtOneBased(int64_t step) const {
  const double t = static_cast<double>(step);
  if (t < warmup_) return static_cast<float>(base_ * t / warmup_);
  return Decay(t);
}

float LrSchedule::Decay(double t) const {
  const std::string& d = config_.decay();
  const double min = config_.min_lr();
  if (d == "constant") return static_cast<float>(base_);
  if (d == "step") {
    const double k = std::floor((t - warmup_) / config_.step_size());
    return static_cast<float>(base_ * std::pow(config_.step_gamma(), k));
  }
  if (d == "google_bert" || d == "nvidia_pt") {
    if (t >= total_) return 0.0f;
    const double p = d == "nvidia_pt" ? 0.5 : config_.power();
    return static_cast<float>(base_ * std::pow(1.0 - t / total_, p));
  }
  // cosine and polynomial: fraction of the decay phase remaining.
  if (t >= total_ || total_ <= warmup_) return static_cast<float>(min);
  const double remaining = (total_ - t) / (total_ - warmup_);
  if (d == "cosine") {
    const double kPi = 3.14159265358979323846;
    return static_cast<float>(min + (base_ - min) * 0.5 * (1.0 + std::cos(kPi * (1.0 - remaining))));
  }
  return static_cast<float>(min + (base_ - min) * std::pow(remaining, config_.power()));
}

absl::StatusOr<float> ScaledBaseLr(const proto::OptimizerConfig& config, int64_t global_batch) {
  if (global_batch <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("global batch must be > 0, got ", global_batch));
  }
  if (config.lr_reference_batch() <= 0) {
    return absl::InvalidArgumentError("optimizer.lr_reference_batch: must be > 0");
  }
  std::string rule = config.lr_scaling();
  if (rule == "auto") {
    const std::string& n = config.name();
    const bool mkor = n == "mkor" || n == "mkor_h";
    const bool sgd_like = n == "sgd" || n == "lars" || (mkor && config.mkor().base() == "sgd");
    rule = sgd_like ? "linear" : "sqrt";
  }
  const double ratio = static_cast<double>(global_batch) / config.lr_reference_batch();
  if (rule == "none") return config.lr();
  if (rule == "linear") return static_cast<float>(config.lr() * ratio);
  if (rule == "sqrt") return static_cast<float>(config.lr() * std::sqrt(ratio));
  return absl::InvalidArgumentError(absl::StrCat("optimizer.lr_scaling: unknown \"",
                                                 config.lr_scaling(),
                                                 "\" (none, linear, sqrt, auto)"));
}

}  // namespace syncline::optim
