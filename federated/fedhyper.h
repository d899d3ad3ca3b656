// FedHyper server variants G, GM, SL, CL and the combinations G + CL and
// FULL = GM + CL (fedhyper.md sections 2-4).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "federated/strategy.h"

namespace syncline::federated {

absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperG(const proto::FederatedConfig& c);
absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperGM(const proto::FederatedConfig& c);
std::unique_ptr<ServerStrategy> MakeFedHyperSL(const proto::FederatedConfig& c);
std::unique_ptr<ServerStrategy> MakeFedHyperCL(const proto::FederatedConfig& c);
// The spec's combinations: G + CL (momentum false, "fedhyper_g_cl") and
// FULL = GM + CL (momentum true, "fedhyper_full").
absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperWithCL(
    const proto::FederatedConfig& c, bool momentum);

}  // namespace syncline::federated
