// FedHyper server variants G, GM, SL and CL (fedhyper.md sections 2-4).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "federated/strategy.h"

namespace syncline::federated {

absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperG(const proto::FederatedConfig& c);
absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperGM(const proto::FederatedConfig& c);
std::unique_ptr<ServerStrategy> MakeFedHyperSL(const proto::FederatedConfig& c);
std::unique_ptr<ServerStrategy> MakeFedHyperCL(const proto::FederatedConfig& c);

}  // namespace syncline::federated
