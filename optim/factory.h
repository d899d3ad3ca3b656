// Builds the optimizer named by config.name over a model's parameters.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "core/model.h"
#include "optim/optimizer.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim {

// Lists every problem with the optimizer fields, naming them ("optimizer.lamb.beta2").
absl::Status ValidateOptimizerConfig(const proto::OptimizerConfig& config);

// config.name: "sgd", "adamw", "lamb", "lars", "mkor", "mkor_h". The learning
// rate starts at config.lr; the trainer then sets it each step from LrSchedule.
// comm may be null (single process). The model must outlive the optimizer;
// MKOR switches the model's rank-1 statistics collection on and off itself.
absl::StatusOr<std::unique_ptr<Optimizer>> CreateOptimizer(const proto::OptimizerConfig& config,
                                                           core::Model* model,
                                                           comm::Communicator* comm);

// First-order optimizers over an explicit parameter list (no model needed).
absl::StatusOr<std::unique_ptr<Optimizer>> CreateFirstOrderOptimizer(
    const proto::OptimizerConfig& config, std::vector<core::Parameter> params);

}  // namespace syncline::optim
