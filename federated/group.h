// A federated client run as a group of ranks (`mpirun -np k syncline
// fed-client ...`): rank 0 alone talks to the server and relays each step of
// the conversation to the other ranks as a command; the group trains the
// client's shard data-parallel (comm/data_parallel.h) and rank 0 pushes.
//
// Wire format of a command (two broadcasts from rank 0): int64 {kind, bytes},
// then `bytes` bytes of payload (a serialized Task for kTrain, a reason for
// kDone/kAbort). Rank 0 sends kWait at least once per server poll or join
// attempt, so the other ranks wait with a bounded timeout and learn within
// that bound (or at once, when the backend sees rank 0's process die) that
// rank 0 is gone; they never hang.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "comm/communicator.h"
#include "comm/data_parallel.h"
#include "core/model.h"

namespace syncline::federated {

enum class GroupCommand : int64_t { kWait = 0, kTrain = 1, kDone = 2, kAbort = 3 };

struct GroupOptions {
  absl::Duration collective_timeout = absl::Seconds(60);  // gradient/metric reductions
  absl::Duration idle_timeout = absl::Seconds(180);       // ranks > 0 waiting for a command
  double bucket_mb = 4;
};

class ClientGroup {
 public:
  // `comm` must outlive this object.
  ClientGroup(comm::Communicator* comm, GroupOptions options);

  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  bool leader() const { return comm_->rank() == 0; }
  const std::string& backend_name() const { return comm_->backend_name(); }

  // Collective: attaches DataParallel to `model` (which must outlive this
  // object) and checks that every rank built the same parameters.
  absl::Status Start(core::Model* model);
  comm::DataParallel* data_parallel() { return dp_.get(); }
  // Detaches from the model (before the model goes away).
  void Release() { dp_.reset(); }

  // Rank 0: relays one command to the other ranks.
  absl::Status Send(GroupCommand kind, const std::string& payload = "");
  // Ranks > 0: the next command (DeadlineExceeded after idle_timeout).
  absl::Status Receive(GroupCommand* kind, std::string* payload);
  // Collective: element-wise fp64 sum of `values` over the ranks, added in
  // rank order (exact and identical on every rank; for metric sums).
  absl::Status SumDoubles(double* values, int count);

 private:
  comm::Communicator* comm_;
  GroupOptions options_;
  std::unique_ptr<comm::DataParallel> dp_;
};

}  // namespace syncline::federated
