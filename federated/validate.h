// Validation of a client's update before it can touch the global model
// (issue 6 item 5): names, shapes, finite values, sample count, size.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "federated/aggregate.h"
#include "federated/weights.h"
#include "syncline/federated.pb.h"

namespace syncline::federated {

struct UpdateLimits {
  int64_t max_examples = 0;  // the training-set size; n must be in [0, max_examples]
  int num_clients = 0;       // client ids must be in [0, num_clients)
};

// Decodes `update` into *out after checking it against the global model's
// layout `model`. Every failure is InvalidArgument with a one-line reason
// naming the client, round and offending tensor or field.
absl::Status ValidateUpdate(const proto::Update& update, int expected_round, const Weights& model,
                            const UpdateLimits& limits, ClientUpdate* out);

}  // namespace syncline::federated
