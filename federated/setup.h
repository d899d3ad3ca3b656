// Shared start-up for server and client: validated settings, data and the
// client partition derived identically on both sides.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/data/dataset.h"
#include "core/model.h"
#include "federated/partition.h"
#include "syncline/config.pb.h"
#include "syncline/federated.pb.h"

namespace syncline::federated {

// Lists every problem in the federated/server fields ("federated.rounds must be >= 1, got 0; ...").
absl::Status ValidateFederatedConfig(const proto::ExperimentConfig& config);

struct FedData {
  core::DatasetPair data;
  Partition partition;
  std::string partition_hash;
};
// Loads config.data (seed train.seed) and partitions the training set.
absl::StatusOr<FedData> LoadFedData(const proto::ExperimentConfig& config);

// The global model's initial weights come from stream(seed, INIT, 0).
absl::StatusOr<std::unique_ptr<core::Model>> BuildFedModel(const proto::ExperimentConfig& config,
                                                            const core::Dataset& data);

// The parts of a round's Task that come from the config (strategy adds its own).
proto::RoundConfig MakeRoundConfig(const proto::FederatedConfig& c);

// Copies the examples at `indices` into a new dataset.
core::Dataset Subset(const core::Dataset& data, const std::vector<int64_t>& indices);

}  // namespace syncline::federated
