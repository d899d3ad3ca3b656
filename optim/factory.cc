#include "optim/factory.h"

namespace syncline::optim {

absl::StatusOr<std::unique_ptr<Optimizer>> CreateOptimizer(const proto::OptimizerConfig& config,
                                                           core::Model* model,
                                                           comm::Communicator* /*comm*/) {
  if (model == nullptr) return absl::InvalidArgumentError("CreateOptimizer: null model");
  return CreateFirstOrderOptimizer(config, model->Parameters());
}

}  // namespace syncline::optim
