// The federated client daemon: joins, fetches tasks, trains its shard,
// pushes updates; reconnects with backoff after network errors and rejoins a
// restarted server.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "federated/attack.h"
#include "federated/group.h"
#include "federated/local_train.h"
#include "federated/setup.h"
#include "grpcpp/channel.h"
#include "syncline/config.pb.h"
#include "syncline/federated.grpc.pb.h"

namespace syncline::federated {

struct ClientOptions {
  int client_id = 0;
  std::string address;              // empty: server.address from the config
  double reconnect_timeout_s = 120;  // give up after this long without reaching the server
  // Non-null: this process is one rank of a client group (mpirun -np k);
  // rank 0 talks to the server, every rank trains (federated/group.h).
  ClientGroup* group = nullptr;
};

class FedClient {
 public:
  static absl::StatusOr<std::unique_ptr<FedClient>> Create(const proto::ExperimentConfig& config,
                                                           const ClientOptions& options);
  ~FedClient();
  // Until the server says DONE (OK), the token is refused (PermissionDenied),
  // the server stays unreachable past reconnect_timeout_s, or *stop.
  // In a group, every rank calls Run: rank 0 as above, relaying each task to
  // the others; ranks > 0 follow rank 0 and return its verdict (OK on DONE,
  // Aborted with rank 0's reason, or the error that cut them off from it).
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  FedClient() = default;
  // Joins with backoff; OK once joined.
  absl::Status JoinWithBackoff(const std::atomic<bool>& stop);
  // One fetch/train/push cycle; *done on DONE. UNAVAILABLE-type errors return
  // Unavailable (caller rejoins); others are fatal.
  absl::Status Step(bool* done);
  absl::Status Train(const proto::Task& task);
  // Loads the task's model and trains this rank's part (all ranks).
  absl::StatusOr<LocalResult> TrainTask(const proto::Task& task);
  // Rank 0's loop (the whole client when there is no group).
  absl::Status RunLeader(const std::atomic<bool>& stop);
  // Ranks > 0 of a group.
  absl::Status RunFollower();
  // Rank 0: tells the other ranks (if any) what happens next.
  absl::Status Relay(GroupCommand kind, const std::string& payload = "");
  bool leader() const { return options_.group == nullptr || options_.group->leader(); }
  void HeartbeatLoop(const std::atomic<bool>& stop);

  proto::ExperimentConfig config_;
  ClientOptions options_;
  core::Dataset shard_;
  ValueRange range_;
  std::string partition_hash_;
  std::unique_ptr<core::Model> model_;
  int64_t max_task_bytes_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<proto::Federation::Stub> stub_;
  std::atomic<int> heartbeat_ms_{1000};
  std::atomic<bool> joined_{false};
  // A heartbeat reply said the federation is over: a lost server is then not
  // waited for (the client exits 0 instead of reconnecting).
  std::atomic<bool> server_done_{false};
};

}  // namespace syncline::federated
