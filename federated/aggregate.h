// Weighted aggregation of client deltas (federated-conventions.md sections 1, 5).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "federated/weights.h"

namespace syncline::federated {

struct ClientUpdate {
  int client_id = 0;
  int64_t num_examples = 0;
  Weights delta;  // u = y - x_t
  std::map<std::string, double> metrics;
};

enum class Weighting { kNumExamples, kUniform };
absl::StatusOr<Weighting> ParseWeighting(const std::string& name);

// Delta = sum_m p_m u_m over the updates, accumulated in fp64 in ascending
// client id. num_examples: p_m = n_m / sum n; uniform: p_m = 1 / |R| over
// clients with n_m > 0 (n_m = 0 always weighs 0). nullopt = skip the round
// (no updates, every n_m = 0, or a non-finite aggregate).
std::optional<Weights> Aggregate(const std::vector<ClientUpdate>& updates, Weighting weighting);

// Example-weighted mean of a metric over the updates that report it.
std::optional<double> WeightedMetric(const std::vector<ClientUpdate>& updates,
                                     const std::string& key);

}  // namespace syncline::federated
