#include "federated/validate.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace syncline::federated {

absl::Status ValidateUpdate(const proto::Update& update, int expected_round, const Weights& model,
                            const UpdateLimits& limits, ClientUpdate* out) {
  const std::string who =
      absl::StrCat("update from client ", update.client_id(), " round ", update.round(), ": ");
  if (update.client_id() < 0 || update.client_id() >= limits.num_clients) {
    return absl::InvalidArgumentError(absl::StrCat(who, "client id outside [0, ",
                                                   limits.num_clients, ")"));
  }
  if (update.round() != expected_round) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, "stale or future round (open round is ", expected_round, ")"));
  }
  if (update.num_examples() < 0 || update.num_examples() > limits.max_examples) {
    return absl::InvalidArgumentError(absl::StrCat(who, "num_examples ", update.num_examples(),
                                                   " outside [0, ", limits.max_examples, "]"));
  }
  if (update.delta_size() != static_cast<int>(model.size())) {
    return absl::InvalidArgumentError(absl::StrCat(who, "expected ", model.size(),
                                                   " tensors, got ", update.delta_size()));
  }
  for (int i = 0; i < update.delta_size(); ++i) {
    const proto::TensorProto& t = update.delta(i);
    const NamedTensor& ref = model[i];
    if (t.name() != ref.name) {
      return absl::InvalidArgumentError(absl::StrCat(who, "tensor ", i, " named '", t.name(),
                                                     "', expected '", ref.name, "'"));
    }
    core::Shape shape(t.shape().begin(), t.shape().end());
    if (shape != ref.value.shape()) {
      return absl::InvalidArgumentError(absl::StrCat(who, "tensor '", ref.name, "' has shape ",
                                                     core::ShapeToString(shape), ", expected ",
                                                     ref.value.ShapeString()));
    }
  }
  out->client_id = update.client_id();
  out->num_examples = update.num_examples();
  out->metrics.clear();
  for (const auto& [k, v] : update.metrics()) out->metrics[k] = v;
  if (absl::Status s = FromProtos(update.delta(), &out->delta); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(who, s.message()));
  }
  for (const auto& t : out->delta) {
    const float* v = t.value.data();
    for (int64_t k = 0, n = t.value.numel(); k < n; ++k) {
      if (!std::isfinite(v[k])) {
        return absl::InvalidArgumentError(
            absl::StrCat(who, "tensor '", t.name, "' has a non-finite value at element ", k));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace syncline::federated
