#include "federated/client.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "federated/chunk.h"
#include "federated/local_train.h"
#include "federated/tls.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"

namespace syncline::federated {
namespace {

bool Retryable(grpc::StatusCode c) {
  return c == grpc::StatusCode::UNAVAILABLE || c == grpc::StatusCode::DEADLINE_EXCEEDED ||
         c == grpc::StatusCode::FAILED_PRECONDITION || c == grpc::StatusCode::CANCELLED ||
         c == grpc::StatusCode::UNKNOWN || c == grpc::StatusCode::INTERNAL;
}

void SetDeadline(grpc::ClientContext* ctx, double seconds) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FedClient>> FedClient::Create(const proto::ExperimentConfig& config,
                                                             const ClientOptions& options) {
  if (absl::Status s = ValidateFederatedConfig(config); !s.ok()) return s;
  const int id = options.client_id;
  if (id < 0 || id >= config.federated().num_clients()) {
    return absl::InvalidArgumentError(absl::StrCat("--client-id ", id, " outside [0, federated.num_clients=",
                                                   config.federated().num_clients(), ")"));
  }
  std::unique_ptr<FedClient> c(new FedClient());
  c->config_ = config;
  c->options_ = options;
  if (c->options_.address.empty()) c->options_.address = config.server().address();
  auto data = LoadFedData(config);
  if (!data.ok()) return data.status();
  c->range_ = DataRange(data->data.train);
  c->shard_ = Subset(data->data.train, data->partition[id]);
  c->partition_hash_ = data->partition_hash;
  auto model = BuildFedModel(config, data->data.train);
  if (!model.ok()) return model.status();
  c->model_ = std::move(*model);
  if (options.group != nullptr) {
    // Collective: every rank built the same model (names, shapes, values).
    if (absl::Status s = options.group->Start(c->model_.get()); !s.ok()) {
      return absl::AbortedError(absl::StrCat("client group start: ", s.message()));
    }
  }
  c->max_task_bytes_ = 8 * c->model_->NumParameterElements() * 4 + (int64_t{16} << 20);
  if (!c->leader()) return c;  // only rank 0 talks to the server
  auto creds = MakeChannelCredentials(config.server());
  if (!creds.ok()) return creds.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(config.server().max_message_bytes());
  args.SetMaxSendMessageSize(config.server().max_message_bytes());
  if (!config.server().tls_target_name().empty()) {
    args.SetSslTargetNameOverride(config.server().tls_target_name());
  }
  c->channel_ = grpc::CreateCustomChannel(c->options_.address, *creds, args);
  c->stub_ = proto::Federation::NewStub(c->channel_);
  std::fprintf(stderr, "[fed-client %d] %ld examples, partition %s, server %s%s\n", id,
               static_cast<long>(c->shard_.size()), c->partition_hash_.c_str(),
               c->options_.address.c_str(),
               options.group == nullptr
                   ? ""
                   : absl::StrCat(", group of ", options.group->size(), " ranks (",
                                  options.group->backend_name(), ")").c_str());
  return c;
}

FedClient::~FedClient() {
  if (options_.group != nullptr) options_.group->Release();
}

absl::Status FedClient::JoinWithBackoff(const std::atomic<bool>& stop) {
  const absl::Time give_up = absl::Now() + absl::Seconds(options_.reconnect_timeout_s);
  absl::Duration backoff = absl::Milliseconds(100);
  int attempt = 0;
  while (!stop.load()) {
    if (absl::Status s = Relay(GroupCommand::kWait); !s.ok()) return s;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 5);
    proto::JoinRequest req;
    req.set_client_id(options_.client_id);
    req.set_token(config_.server().token());
    req.mutable_capabilities()->set_world_size(options_.group ? options_.group->size() : 1);
    req.mutable_capabilities()->set_version("syncline 0.1");
    proto::JoinReply reply;
    grpc::Status s = stub_->Join(&ctx, req, &reply);
    if (s.ok()) {
      if (reply.partition_hash() != partition_hash_) {
        return absl::FailedPreconditionError(absl::StrCat(
            "server partition ", reply.partition_hash(), " differs from this client's ",
            partition_hash_, " (data, seed or partition settings differ)"));
      }
      heartbeat_ms_ = reply.heartbeat_interval_ms();
      joined_ = true;
      return absl::OkStatus();
    }
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      return absl::PermissionDeniedError(absl::StrCat("server refused client ", options_.client_id,
                                                      ": ", s.error_message()));
    }
    if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return absl::InvalidArgumentError(absl::StrCat("server refused join: ", s.error_message()));
    }
    if (server_done_.load()) return absl::UnavailableError("join: " + s.error_message());
    if (attempt++ % 10 == 0) {
      std::fprintf(stderr, "[fed-client %d] join failed (%s); retrying\n", options_.client_id,
                   s.error_message().c_str());
    }
    if (absl::Now() + backoff > give_up) {
      return absl::UnavailableError(absl::StrCat("server ", options_.address, " unreachable for ",
                                                 options_.reconnect_timeout_s, " s: ",
                                                 s.error_message()));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
  return absl::CancelledError("stopped");
}

absl::Status FedClient::Run(const std::atomic<bool>& stop) {
  if (!leader()) return RunFollower();
  absl::Status result = RunLeader(stop);
  if (options_.group != nullptr) {
    // Best effort: after a collective failure the group cannot hear it, and
    // the other ranks find out from their own failing collective instead.
    (void)Relay(result.ok() ? GroupCommand::kDone : GroupCommand::kAbort,
                result.ok() ? "" : std::string(result.message()));
  }
  return result;
}

absl::Status FedClient::RunLeader(const std::atomic<bool>& stop) {
  std::atomic<bool> hb_stop{false};
  std::thread heartbeat([&] { HeartbeatLoop(hb_stop); });
  absl::Status result = absl::OkStatus();
  while (!stop.load()) {
    result = JoinWithBackoff(stop);
    if (!result.ok()) break;
    bool done = false;
    while (!stop.load() && !done && result.ok()) result = Step(&done);
    if (done) break;
    // The server announced the end (heartbeat) and went away before a fetch saw DONE.
    if (absl::IsUnavailable(result) && server_done_.load()) break;
    if (absl::IsUnavailable(result)) {
      std::fprintf(stderr, "[fed-client %d] %s; reconnecting\n", options_.client_id,
                   std::string(result.message()).c_str());
      joined_ = false;
      result = absl::OkStatus();
      continue;
    }
    if (!result.ok()) break;
  }
  hb_stop = true;
  heartbeat.join();
  if (absl::IsUnavailable(result) && server_done_.load()) {
    std::fprintf(stderr, "[fed-client %d] the federation finished (server gone)\n",
                 options_.client_id);
    return absl::OkStatus();
  }
  if (stop.load() && result.ok()) return absl::OkStatus();
  return result;
}

absl::Status FedClient::Step(bool* done) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, 60);
  proto::TaskRequest req;
  req.set_client_id(options_.client_id);
  req.set_token(config_.server().token());
  std::unique_ptr<grpc::ClientReader<proto::Chunk>> reader = stub_->FetchTask(&ctx, req);
  proto::Task task;
  absl::Status read = ReadChunks(reader.get(), max_task_bytes_, &task);
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      return absl::PermissionDeniedError("server refused the token: " + s.error_message());
    }
    if (Retryable(s.error_code())) return absl::UnavailableError("fetch: " + s.error_message());
    return absl::InternalError("fetch: " + s.error_message());
  }
  if (!read.ok()) return absl::UnavailableError(absl::StrCat("fetch: ", read.message()));
  if (task.kind() == proto::Task::DONE) {
    *done = true;
    grpc::ClientContext lctx;
    SetDeadline(&lctx, 2);
    proto::LeaveRequest lreq;
    lreq.set_client_id(options_.client_id);
    lreq.set_token(config_.server().token());
    proto::LeaveReply lrep;
    (void)stub_->Leave(&lctx, lreq, &lrep);
    return absl::OkStatus();
  }
  if (task.kind() == proto::Task::WAIT) {
    if (absl::Status s = Relay(GroupCommand::kWait); !s.ok()) return s;
    absl::SleepFor(absl::Milliseconds(std::min(task.retry_after_ms(), 1000)));
    return absl::OkStatus();
  }
  return Train(task);
}

absl::Status FedClient::Train(const proto::Task& task) {
  std::fprintf(stderr, "[fed-client %d] round %d training\n", options_.client_id, task.round());
  if (absl::Status s = Relay(GroupCommand::kTrain, task.SerializeAsString()); !s.ok()) return s;
  auto result = TrainTask(task);
  if (!result.ok()) return result.status();
  proto::Update update;
  update.set_client_id(options_.client_id);
  update.set_token(config_.server().token());
  update.set_round(task.round());
  update.set_num_examples(result->num_examples);
  ToProtos(result->delta, update.mutable_delta());
  for (const auto& [k, v] : result->metrics) (*update.mutable_metrics())[k] = v;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, 120);
  proto::PushReply reply;
  std::unique_ptr<grpc::ClientWriter<proto::Chunk>> writer = stub_->PushUpdate(&ctx, &reply);
  WriteChunks(update.SerializeAsString(), config_.server().chunk_bytes(), writer.get());
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (s.ok()) {
    std::fprintf(stderr, "[fed-client %d] round %d pushed (%ld examples, loss %.4f)\n",
                 options_.client_id, task.round(), static_cast<long>(result->num_examples),
                 result->metrics["train_loss"]);
    return absl::OkStatus();
  }
  if (Retryable(s.error_code())) return absl::UnavailableError("push: " + s.error_message());
  // A refused update (e.g. the round closed meanwhile) is logged; keep serving.
  std::fprintf(stderr, "[fed-client %d] round %d update refused: %s\n", options_.client_id,
               task.round(), s.error_message().c_str());
  return absl::OkStatus();
}

absl::StatusOr<LocalResult> FedClient::TrainTask(const proto::Task& task) {
  Weights global;
  if (absl::Status s = FromProtos(task.model(), &global); !s.ok()) return s;
  if (absl::Status s = ToParameters(global, model_->Parameters()); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("task model does not fit: ", s.message()));
  }
  return TrainLocal(model_.get(), config_.optimizer(), shard_, task, options_.client_id, range_,
                    options_.group);
}

absl::Status FedClient::Relay(GroupCommand kind, const std::string& payload) {
  if (options_.group == nullptr) return absl::OkStatus();
  absl::Status s = options_.group->Send(kind, payload);
  if (s.ok()) return s;
  // Aborted, not Unavailable: a broken group is not a network error to retry.
  return absl::AbortedError(absl::StrCat("client group: ", s.message()));
}

// Errors are printed by the caller with this rank's number.
absl::Status FedClient::RunFollower() {
  GroupCommand kind;
  std::string payload;
  while (true) {
    if (absl::Status s = options_.group->Receive(&kind, &payload); !s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("lost contact with rank 0: ", s.message()));
    }
    switch (kind) {
      case GroupCommand::kWait:
        break;
      case GroupCommand::kDone:
        return absl::OkStatus();
      case GroupCommand::kAbort:
        return absl::AbortedError(absl::StrCat("rank 0 stopped: ", payload));
      case GroupCommand::kTrain: {
        proto::Task task;
        if (!task.ParseFromString(payload)) {
          return absl::InternalError("cannot parse the task from rank 0");
        }
        if (auto result = TrainTask(task); !result.ok()) return result.status();
        break;
      }
    }
  }
}

void FedClient::HeartbeatLoop(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    for (int waited = 0; waited < heartbeat_ms_.load() && !stop.load(); waited += 20) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (stop.load() || !joined_.load()) continue;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, 2);
    proto::HeartbeatRequest req;
    req.set_client_id(options_.client_id);
    req.set_token(config_.server().token());
    proto::HeartbeatReply reply;
    if (stub_->Heartbeat(&ctx, req, &reply).ok() && reply.done()) server_done_ = true;
  }
}

}  // namespace syncline::federated
