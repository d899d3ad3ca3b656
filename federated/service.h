// The Federation gRPC service (federated.proto) over a Coordinator.
#pragma once

#include <cstdint>
#include <string>

#include "federated/coordinator.h"
#include "federated/validate.h"
#include "federated/weights.h"
#include "syncline/federated.grpc.pb.h"

namespace syncline::federated {

struct ServiceOptions {
  std::string token;          // empty: no check
  int num_clients = 0;
  int64_t max_examples = 0;   // training-set size (update sample-count bound)
  int64_t max_update_bytes = 0;
  int64_t chunk_bytes = 1 << 20;
  int heartbeat_interval_ms = 1000;
  std::string partition_hash;
  absl::Duration long_poll = absl::Milliseconds(500);
};

class FederationService final : public proto::Federation::Service {
 public:
  // `layout` is the model's names and shapes (values unused); coordinator outlives this.
  FederationService(ServiceOptions options, Weights layout, Coordinator* coordinator);

  grpc::Status Join(grpc::ServerContext* ctx, const proto::JoinRequest* req,
                    proto::JoinReply* reply) override;
  grpc::Status FetchTask(grpc::ServerContext* ctx, const proto::TaskRequest* req,
                         grpc::ServerWriter<proto::Chunk>* writer) override;
  grpc::Status PushUpdate(grpc::ServerContext* ctx, grpc::ServerReader<proto::Chunk>* reader,
                          proto::PushReply* reply) override;
  grpc::Status Heartbeat(grpc::ServerContext* ctx, const proto::HeartbeatRequest* req,
                         proto::HeartbeatReply* reply) override;
  grpc::Status Leave(grpc::ServerContext* ctx, const proto::LeaveRequest* req,
                     proto::LeaveReply* reply) override;

 private:
  // OK, or UNAUTHENTICATED / INVALID_ARGUMENT (logged with the peer and reason).
  grpc::Status Admit(grpc::ServerContext* ctx, const char* rpc, int client_id,
                     const std::string& token) const;

  ServiceOptions o_;
  Weights layout_;
  Coordinator* coord_;
};

}  // namespace syncline::federated
