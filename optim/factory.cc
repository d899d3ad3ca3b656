#include "optim/factory.h"

#include "optim/mkor.h"

namespace syncline::optim {

absl::StatusOr<std::unique_ptr<Optimizer>> CreateOptimizer(const proto::OptimizerConfig& config,
                                                           core::Model* model,
                                                           comm::Communicator* comm) {
  if (model == nullptr) return absl::InvalidArgumentError("CreateOptimizer: null model");
  if (absl::Status s = ValidateOptimizerConfig(config); !s.ok()) return s;
  if (config.name() != "mkor" && config.name() != "mkor_h") {
    return CreateFirstOrderOptimizer(config, model->Parameters());
  }
  auto mkor = Mkor::Create(config, model->Parameters(), model->Rank1Layers(),
                           [model](bool on) { model->SetCollectRank1Stats(on); }, comm);
  if (!mkor.ok()) return mkor.status();
  return std::unique_ptr<Optimizer>(*std::move(mkor));
}

}  // namespace syncline::optim
