// ValidateOptimizerConfig and CreateFirstOrderOptimizer (factory.h); kept apart from
// CreateOptimizer so that code without a core::Model links without the model.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "optim/adamw.h"
#include "optim/factory.h"
#include "optim/lamb.h"
#include "optim/lars.h"
#include "optim/sgd.h"

namespace syncline::optim {
namespace {

using Problems = std::vector<std::string>;

void CheckOneOf(const std::string& field, const std::string& value,
                const std::vector<std::string>& allowed, Problems* out) {
  for (const auto& a : allowed) {
    if (a == value) return;
  }
  out->push_back(absl::StrCat(field, ": unknown \"", value, "\" (", absl::StrJoin(allowed, ", "), ")"));
}

void CheckRange(const std::string& field, double v, double lo, double hi, bool hi_open, Problems* out) {
  const bool ok = v >= lo && (hi_open ? v < hi : v <= hi);
  if (!ok) out->push_back(absl::StrCat(field, ": must be in [", lo, ", ", hi, hi_open ? ")" : "]", ", got ", v));
}

void CheckLamb(const proto::LambConfig& c, Problems* out) {
  CheckRange("optimizer.lamb.beta1", c.beta1(), 0, 1, true, out);
  CheckRange("optimizer.lamb.beta2", c.beta2(), 0, 1, true, out);
  if (!(c.eps() > 0)) out->push_back("optimizer.lamb.eps: must be > 0");
  CheckOneOf("optimizer.lamb.wd_mode", c.wd_mode(), {"decoupled", "l2"}, out);
  if (!(c.phi_min() >= 0)) out->push_back("optimizer.lamb.phi_min: must be >= 0");
  if (c.phi_max() > 0 && c.phi_max() < c.phi_min()) {
    out->push_back("optimizer.lamb.phi_max: must be >= phi_min (or <= 0 for no clamp)");
  }
  if (!(c.global_clip_norm() >= 0)) out->push_back("optimizer.lamb.global_clip_norm: must be >= 0");
}

void CheckMkor(const proto::MkorConfig& c, Problems* out) {
  CheckOneOf("optimizer.mkor.base", c.base(), {"sgd", "lamb"}, out);
  if (c.inv_freq() < 1) out->push_back("optimizer.mkor.inv_freq: must be >= 1");
  if (!(c.gamma() > 0 && c.gamma() < 1)) out->push_back("optimizer.mkor.gamma: must be in (0, 1)");
  CheckOneOf("optimizer.mkor.update_variant", c.update_variant(), {"reference", "exact_momentum"}, out);
  if (!(c.stabilizer_threshold() > 0)) out->push_back("optimizer.mkor.stabilizer_threshold: must be > 0");
  CheckOneOf("optimizer.mkor.stabilizer_norm", c.stabilizer_norm(), {"max_abs", "inf_norm"}, out);
  CheckRange("optimizer.mkor.stabilizer_zeta", c.stabilizer_zeta(), 0, 1, true, out);
  if (!(c.clip_value() > 0)) out->push_back("optimizer.mkor.clip_value: must be > 0");
  CheckOneOf("optimizer.mkor.factor_dtype", c.factor_dtype(), {"fp16", "fp32"}, out);
  CheckOneOf("optimizer.mkor.factor_form", c.factor_form(), {"auto", "dense"}, out);
  CheckOneOf("optimizer.mkor.comm_dtype", c.comm_dtype(), {"fp16", "fp32"}, out);
  if (c.warmup_steps() < 0) out->push_back("optimizer.mkor.warmup_steps: must be >= 0");
  CheckOneOf("optimizer.mkor.rescale", c.rescale(), {"sum_of_parts", "frobenius"}, out);
  if (c.resync_every() < 0) out->push_back("optimizer.mkor.resync_every: must be >= 0");
  const proto::MkorHConfig& h = c.h();
  CheckRange("optimizer.mkor.h.ema", h.ema(), 0, 1, true, out);
  if (h.window() < 1) out->push_back("optimizer.mkor.h.window: must be >= 1");
  if (!(h.ratio() >= 0)) out->push_back("optimizer.mkor.h.ratio: must be >= 0");
  if (h.min_steps() < 0) out->push_back("optimizer.mkor.h.min_steps: must be >= 0");
  if (h.check_every() < 1) out->push_back("optimizer.mkor.h.check_every: must be >= 1");
  if (h.patience() < 1) out->push_back("optimizer.mkor.h.patience: must be >= 1");
  if (h.force_step() < 0) out->push_back("optimizer.mkor.h.force_step: must be >= 0");
}

}  // namespace

absl::Status ValidateOptimizerConfig(const proto::OptimizerConfig& c) {
  Problems errors;
  CheckOneOf("optimizer.name", c.name(), {"sgd", "adamw", "lamb", "lars", "mkor", "mkor_h"}, &errors);
  if (!(c.lr() >= 0)) errors.push_back("optimizer.lr: must be >= 0");
  CheckRange("optimizer.momentum", c.momentum(), 0, 1, true, &errors);
  if (!(c.weight_decay() >= 0)) errors.push_back("optimizer.weight_decay: must be >= 0");
  CheckRange("optimizer.dampening", c.dampening(), 0, 1, false, &errors);
  if (c.nesterov() && (c.momentum() <= 0 || c.dampening() != 0)) {
    errors.push_back("optimizer.nesterov: needs momentum > 0 and dampening 0");
  }
  if (c.lr_reference_batch() <= 0) errors.push_back("optimizer.lr_reference_batch: must be > 0");
  CheckOneOf("optimizer.lr_scaling", c.lr_scaling(), {"none", "linear", "sqrt", "auto"}, &errors);
  CheckRange("optimizer.adamw.beta1", c.adamw().beta1(), 0, 1, true, &errors);
  CheckRange("optimizer.adamw.beta2", c.adamw().beta2(), 0, 1, true, &errors);
  if (!(c.adamw().eps() > 0)) errors.push_back("optimizer.adamw.eps: must be > 0");
  CheckLamb(c.lamb(), &errors);
  if (!(c.lars().trust_coef() > 0)) errors.push_back("optimizer.lars.trust_coef: must be > 0");
  CheckMkor(c.mkor(), &errors);
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateFirstOrderOptimizer(
    const proto::OptimizerConfig& config, std::vector<core::Parameter> params) {
  if (absl::Status s = ValidateOptimizerConfig(config); !s.ok()) return s;
  std::unique_ptr<Optimizer> opt;
  const std::string& name = config.name();
  if (name == "sgd") {
    SgdOptions o;
    o.momentum = config.momentum();
    o.dampening = config.dampening();
    o.weight_decay = config.weight_decay();
    o.nesterov = config.nesterov();
    opt = std::make_unique<Sgd>(std::move(params), o);
  } else if (name == "adamw") {
    AdamWOptions o;
    o.beta1 = config.adamw().beta1();
    o.beta2 = config.adamw().beta2();
    o.eps = config.adamw().eps();
    o.weight_decay = config.weight_decay();
    opt = std::make_unique<AdamW>(std::move(params), o);
  } else if (name == "lamb") {
    auto lamb = Lamb::Create(config, std::move(params));
    if (!lamb.ok()) return lamb.status();
    opt = *std::move(lamb);
  } else if (name == "lars") {
    auto lars = Lars::Create(config, std::move(params));
    if (!lars.ok()) return lars.status();
    opt = *std::move(lars);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.name: \"", name, "\" is not a first-order optimizer"));
  }
  opt->set_lr(config.lr());
  return opt;
}

}  // namespace syncline::optim
