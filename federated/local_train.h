// One round of local training on a client (federated-conventions.md section 1,
// fedhyper.md section 3, fal.md section 2).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "core/data/dataset.h"
#include "core/model.h"
#include "federated/attack.h"
#include "federated/group.h"
#include "federated/weights.h"
#include "syncline/federated.pb.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::federated {

struct LocalResult {
  Weights delta;  // y - x_t
  int64_t num_examples = 0;
  std::map<std::string, double> metrics;  // train_loss, train_accuracy, cl_beta, steps
};

// Trains `model`, which must already hold the round's global weights x_t, on
// `shard` as `task` says: a fresh optimizer from `optimizer` (lr replaced by
// the round's local_lr), batch order from stream(seed, CLIENT_DATA,
// (round << 32) | client), FAL examples from stream(seed, ATTACK, ...), the
// FedProx term, and the FedHyper-CL lr controller. Leaves the model at y.
// Errors (non-finite gradients, bad extras) name the client and round.
//
// With a `group` (every rank calls this with the same shard and task, the
// group already Start()ed on `model`): each step's batch is cut into
// contiguous per-rank slices (rank r: [B r / k, B (r+1) / k)), each rank's
// mean-loss gradient is weighted by its slice share and DataParallel averages
// them, so every rank takes the step a single process takes on the whole
// batch (equal up to float summation order). FAL random starts skip to the
// slice's place in the batch's draw, so they match the single process too.
// Metrics are summed over the ranks; num_examples is the client's shard
// size. A failed collective is Aborted (the group is unusable afterwards).
absl::StatusOr<LocalResult> TrainLocal(core::Model* model, const proto::OptimizerConfig& optimizer,
                                       const core::Dataset& shard, const proto::Task& task,
                                       int client_id, const ValueRange& range,
                                       ClientGroup* group = nullptr);

}  // namespace syncline::federated
