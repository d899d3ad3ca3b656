// The federated server daemon: round loop, aggregation, evaluation, metrics
// and checkpoints around the Federation gRPC service.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/model.h"
#include "federated/coordinator.h"
#include "federated/service.h"
#include "federated/setup.h"
#include "federated/strategy.h"
#include "grpcpp/server.h"
#include "syncline/config.pb.h"

namespace syncline::federated {

struct ServerOptions {
  std::string metrics_path;  // JSON lines, one "round" object per round
  bool resume = false;       // continue from checkpoint.dir/fed_server.ckpt
};

class FedServer {
 public:
  // Loads data, builds the model and strategy, restores the checkpoint when
  // resuming, and starts listening on server.address.
  static absl::StatusOr<std::unique_ptr<FedServer>> Create(const proto::ExperimentConfig& config,
                                                           const ServerOptions& options);
  ~FedServer();

  // Runs rounds until the last one (then OK) or until *stop becomes true
  // (OK too: the last completed round is checkpointed).
  absl::Status Run(const std::atomic<bool>& stop);
  int port() const { return port_; }

 private:
  FedServer() = default;
  absl::Status RunRound(int round, const std::atomic<bool>& stop, bool* advanced, int* attempts);
  void Evaluate(int round, int answered, const std::vector<ClientUpdate>& updates, bool skipped);
  absl::Status SaveCheckpoint(int next_round) const;
  absl::Status LoadCheckpoint(int* next_round);
  void WriteMetrics(const std::string& json_line);

  proto::ExperimentConfig config_;
  ServerOptions options_;
  FedData data_;
  std::unique_ptr<core::Model> model_;
  Weights weights_;
  std::unique_ptr<ServerStrategy> strategy_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<FederationService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int start_round_ = 0;
  std::FILE* metrics_ = nullptr;
  double start_time_ = 0;
  double last_accuracy_ = 0, last_loss_ = 0, last_robust_ = -1;
};

}  // namespace syncline::federated
