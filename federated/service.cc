#include "federated/service.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "federated/chunk.h"

namespace syncline::federated {
namespace {

bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;  // no early exit: timing does not reveal the matching prefix
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void Log(const std::string& line) { std::fprintf(stderr, "[fed-server] %s\n", line.c_str()); }

}  // namespace

FederationService::FederationService(ServiceOptions options, Weights layout,
                                     Coordinator* coordinator)
    : o_(std::move(options)), layout_(std::move(layout)), coord_(coordinator) {}

grpc::Status FederationService::Admit(grpc::ServerContext* ctx, const char* rpc, int client_id,
                                      const std::string& token) const {
  if (!o_.token.empty() && !SameSecret(token, o_.token)) {
    Log(absl::StrCat("refused ", rpc, " from client ", client_id, " (", ctx->peer(),
                     "): ", token.empty() ? "missing" : "wrong", " token"));
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong or missing token");
  }
  if (client_id < 0 || client_id >= o_.num_clients) {
    Log(absl::StrCat("refused ", rpc, " from client ", client_id, ": id outside [0, ",
                     o_.num_clients, ")"));
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("client id outside [0, ", o_.num_clients, ")"));
  }
  return grpc::Status::OK;
}

grpc::Status FederationService::Join(grpc::ServerContext* ctx, const proto::JoinRequest* req,
                                     proto::JoinReply* reply) {
  if (grpc::Status s = Admit(ctx, "join", req->client_id(), req->token()); !s.ok()) return s;
  coord_->Join(req->client_id());
  Log(absl::StrCat("client ", req->client_id(), " joined from ", ctx->peer(), " (world size ",
                   req->capabilities().world_size(), ")"));
  reply->set_accepted(true);
  reply->set_num_clients(o_.num_clients);
  reply->set_heartbeat_interval_ms(o_.heartbeat_interval_ms);
  reply->set_partition_hash(o_.partition_hash);
  return grpc::Status::OK;
}

grpc::Status FederationService::FetchTask(grpc::ServerContext* ctx, const proto::TaskRequest* req,
                                          grpc::ServerWriter<proto::Chunk>* writer) {
  if (grpc::Status s = Admit(ctx, "fetch", req->client_id(), req->token()); !s.ok()) return s;
  if (!coord_->Touch(req->client_id())) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not joined");
  }
  std::shared_ptr<const std::string> task;
  const proto::Task::Kind kind = coord_->Fetch(req->client_id(), o_.long_poll, &task);
  if (kind == proto::Task::TRAIN) {
    if (!WriteChunks(*task, o_.chunk_bytes, writer)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "client went away");
    }
    return grpc::Status::OK;
  }
  proto::Task small;
  small.set_kind(kind);
  small.set_retry_after_ms(100);
  WriteChunks(small.SerializeAsString(), o_.chunk_bytes, writer);
  return grpc::Status::OK;
}

grpc::Status FederationService::PushUpdate(grpc::ServerContext* ctx,
                                           grpc::ServerReader<proto::Chunk>* reader,
                                           proto::PushReply* reply) {
  proto::Update update;
  if (absl::Status s = ReadChunks(reader, o_.max_update_bytes, &update); !s.ok()) {
    Log(absl::StrCat("refused update from ", ctx->peer(), ": ", s.message()));
    return grpc::Status(s.code() == absl::StatusCode::kResourceExhausted
                            ? grpc::StatusCode::RESOURCE_EXHAUSTED
                            : grpc::StatusCode::INVALID_ARGUMENT,
                        std::string(s.message()));
  }
  if (grpc::Status s = Admit(ctx, "update", update.client_id(), update.token()); !s.ok()) {
    return s;
  }
  coord_->Touch(update.client_id());
  ClientUpdate decoded;
  const UpdateLimits limits{o_.max_examples, o_.num_clients};
  absl::Status s = ValidateUpdate(update, coord_->open_round(), layout_, limits, &decoded);
  if (s.ok()) s = coord_->Submit(std::move(decoded));
  if (!s.ok()) {
    Log(absl::StrCat("refused ", s.message()));
    reply->set_accepted(false);
    reply->set_reason(std::string(s.message()));
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
  }
  reply->set_accepted(true);
  return grpc::Status::OK;
}

grpc::Status FederationService::Heartbeat(grpc::ServerContext* ctx,
                                          const proto::HeartbeatRequest* req,
                                          proto::HeartbeatReply* reply) {
  if (grpc::Status s = Admit(ctx, "heartbeat", req->client_id(), req->token()); !s.ok()) return s;
  if (!coord_->Touch(req->client_id())) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "not joined");
  }
  reply->set_round(coord_->open_round());
  reply->set_done(coord_->done());
  return grpc::Status::OK;
}

grpc::Status FederationService::Leave(grpc::ServerContext* ctx, const proto::LeaveRequest* req,
                                      proto::LeaveReply*) {
  if (grpc::Status s = Admit(ctx, "leave", req->client_id(), req->token()); !s.ok()) return s;
  coord_->Leave(req->client_id());
  Log(absl::StrCat("client ", req->client_id(), " left"));
  return grpc::Status::OK;
}

}  // namespace syncline::federated
