// Helpers shared by strategy implementations (not a public interface).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "federated/weights.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::federated::internal {

// Appends w's tensors as "<prefix>.<name>".
void SaveWeights(const std::string& prefix, const Weights& w, proto::StateProto* state);
// Restores "<prefix>.<name>" tensors with model's layout into *w; *present
// is false (and *w untouched) when none are stored.
absl::Status LoadWeights(const proto::StateProto& state, const std::string& prefix,
                         const Weights& model, Weights* w, bool* present);
double Scalar(const proto::StateProto& state, const std::string& key, double fallback);

}  // namespace syncline::federated::internal
