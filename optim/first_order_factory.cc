// ValidateOptimizerConfig and CreateFirstOrderOptimizer (factory.h); kept apart from
// CreateOptimizer so that code without a core::Model links without the model.
#include "optim/factory.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "optim/sgd.h"

namespace syncline::optim {

absl::Status ValidateOptimizerConfig(const proto::OptimizerConfig& c) {
  std::vector<std::string> errors;
  const std::string& n = c.name();
  if (n != "sgd") {
    errors.push_back(absl::StrCat("optimizer.name: unknown \"", n, "\" (sgd)"));
  }
  if (!(c.lr() >= 0)) errors.push_back("optimizer.lr: must be >= 0");
  if (!(c.momentum() >= 0 && c.momentum() < 1)) errors.push_back("optimizer.momentum: must be in [0, 1)");
  if (!(c.weight_decay() >= 0)) errors.push_back("optimizer.weight_decay: must be >= 0");
  if (!(c.dampening() >= 0 && c.dampening() <= 1)) errors.push_back("optimizer.dampening: must be in [0, 1]");
  if (c.nesterov() && (c.momentum() <= 0 || c.dampening() != 0)) {
    errors.push_back("optimizer.nesterov: needs momentum > 0 and dampening 0");
  }
  if (c.lr_reference_batch() <= 0) errors.push_back("optimizer.lr_reference_batch: must be > 0");
  const std::string& s = c.lr_scaling();
  if (s != "none" && s != "linear" && s != "sqrt" && s != "auto") {
    errors.push_back(absl::StrCat("optimizer.lr_scaling: unknown \"", s, "\" (none, linear, sqrt, auto)"));
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

absl::StatusOr<std::unique_ptr<Optimizer>> CreateFirstOrderOptimizer(
    const proto::OptimizerConfig& config, std::vector<core::Parameter> params) {
  if (absl::Status s = ValidateOptimizerConfig(config); !s.ok()) return s;
  std::unique_ptr<Optimizer> opt;
  if (config.name() == "sgd") {
    SgdOptions o;
    o.momentum = config.momentum();
    o.dampening = config.dampening();
    o.weight_decay = config.weight_decay();
    o.nesterov = config.nesterov();
    opt = std::make_unique<Sgd>(std::move(params), o);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer.name: \"", config.name(), "\" is not a first-order optimizer"));
  }
  opt->set_lr(config.lr());
  return opt;
}

}  // namespace syncline::optim
