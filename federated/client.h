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
#include "federated/setup.h"
#include "grpcpp/channel.h"
#include "syncline/config.pb.h"
#include "syncline/federated.grpc.pb.h"

namespace syncline::federated {

struct ClientOptions {
  int client_id = 0;
  std::string address;              // empty: server.address from the config
  double reconnect_timeout_s = 120;  // give up after this long without reaching the server
};

class FedClient {
 public:
  static absl::StatusOr<std::unique_ptr<FedClient>> Create(const proto::ExperimentConfig& config,
                                                           const ClientOptions& options);
  // Until the server says DONE (OK), the token is refused (PermissionDenied),
  // the server stays unreachable past reconnect_timeout_s, or *stop.
  absl::Status Run(const std::atomic<bool>& stop);

 private:
  FedClient() = default;
  // Joins with backoff; OK once joined.
  absl::Status JoinWithBackoff(const std::atomic<bool>& stop);
  // One fetch/train/push cycle; *done on DONE. UNAVAILABLE-type errors return
  // Unavailable (caller rejoins); others are fatal.
  absl::Status Step(bool* done);
  absl::Status Train(const proto::Task& task);
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
};

}  // namespace syncline::federated
