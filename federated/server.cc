#include "federated/server.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "federated/attack.h"
#include "federated/sampling.h"
#include "federated/tls.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/server_builder.h"

namespace syncline::federated {
namespace {

void Log(const std::string& line) { std::fprintf(stderr, "[fed-server] %s\n", line.c_str()); }

double NowSeconds() { return absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()); }

std::string CheckpointPath(const proto::ExperimentConfig& c) {
  return c.checkpoint().dir() + "/fed_server.ckpt";
}

}  // namespace

absl::StatusOr<std::unique_ptr<FedServer>> FedServer::Create(const proto::ExperimentConfig& config,
                                                             const ServerOptions& options) {
  if (absl::Status s = ValidateFederatedConfig(config); !s.ok()) return s;
  std::unique_ptr<FedServer> srv(new FedServer());
  srv->config_ = config;
  srv->options_ = options;
  const proto::FederatedConfig& fc = config.federated();
  auto data = LoadFedData(config);
  if (!data.ok()) return data.status();
  srv->data_ = std::move(*data);
  auto model = BuildFedModel(config, srv->data_.data.train);
  if (!model.ok()) return model.status();
  srv->model_ = std::move(*model);
  srv->weights_ = FromParameters(srv->model_->Parameters());
  auto strategy = CreateStrategy(fc);
  if (!strategy.ok()) return strategy.status();
  srv->strategy_ = std::move(*strategy);
  if (options.resume) {
    if (absl::Status s = srv->LoadCheckpoint(&srv->start_round_); !s.ok()) return s;
  }
  const int64_t model_bytes = NumElements(srv->weights_) * 4;
  ServiceOptions so;
  so.token = config.server().token();
  so.num_clients = fc.num_clients();
  so.max_examples = srv->data_.data.train.size();
  so.max_update_bytes = fc.max_update_bytes() > 0 ? fc.max_update_bytes()
                                                  : 4 * model_bytes + (int64_t{1} << 20);
  so.chunk_bytes = config.server().chunk_bytes();
  so.heartbeat_interval_ms =
      std::max(50, static_cast<int>(fc.client_timeout_s() * 1000 / 4));
  so.partition_hash = srv->data_.partition_hash;
  srv->coordinator_ =
      std::make_unique<Coordinator>(fc.num_clients(), absl::Seconds(fc.client_timeout_s()));
  srv->service_ = std::make_unique<FederationService>(so, ZerosLike(srv->weights_),
                                                      srv->coordinator_.get());
  auto creds = MakeServerCredentials(config.server());
  if (!creds.ok()) return creds.status();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.server().address(), *creds, &srv->port_);
  builder.SetMaxReceiveMessageSize(config.server().max_message_bytes());
  builder.SetMaxSendMessageSize(config.server().max_message_bytes());
  builder.RegisterService(srv->service_.get());
  srv->server_ = builder.BuildAndStart();
  if (!srv->server_ || srv->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("server.address: cannot listen on '", config.server().address(), "'"));
  }
  if (!options.metrics_path.empty()) {
    srv->metrics_ = std::fopen(options.metrics_path.c_str(), options.resume ? "a" : "w");
    if (!srv->metrics_) {
      return absl::NotFoundError(absl::StrCat("--metrics: cannot write '", options.metrics_path, "'"));
    }
  }
  Log(absl::StrCat("listening on ", config.server().address(), " (port ", srv->port_, "), ",
                   fc.num_clients(), " clients, partition ", srv->data_.partition_hash,
                   ", strategy ", fc.strategy(), fc.fal() ? ", FAL" : "",
                   config.server().tls_cert().empty() ? "" : ", TLS"));
  return srv;
}

FedServer::~FedServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  if (metrics_) std::fclose(metrics_);
}

absl::Status FedServer::Run(const std::atomic<bool>& stop) {
  const proto::FederatedConfig& fc = config_.federated();
  start_time_ = NowSeconds();
  if (start_round_ >= fc.rounds()) {  // resumed after the last round: nothing left to run
    Log(absl::StrCat("checkpoint is past the last round; model ", WeightsHash(weights_)));
    WriteMetrics(absl::StrFormat(R"({"kind":"final","step":%d,"round":%d,"time_s":0,"model_hash":"%s"})",
                                 fc.rounds(), fc.rounds() - 1, WeightsHash(weights_)));
    return absl::OkStatus();
  }
  const absl::Time join_deadline = absl::Now() + absl::Seconds(fc.join_timeout_s());
  const int first = std::min(fc.num_clients(), std::max(fc.min_clients(), fc.wait_for_clients()));
  if (!coordinator_->WaitForClients(first, join_deadline, stop)) {
    if (stop.load()) return absl::OkStatus();
    return absl::DeadlineExceededError(
        absl::StrCat("only ", coordinator_->CountAlive(), " of ", first,
                     " clients (federated.wait_for_clients / min_clients) joined within "
                     "federated.join_timeout_s=", fc.join_timeout_s()));
  }
  int attempts = 0;
  for (int round = start_round_; round < fc.rounds() && !stop.load();) {
    bool advanced = false;
    if (absl::Status s = RunRound(round, stop, &advanced, &attempts); !s.ok()) return s;
    if (advanced) ++round;
  }
  if (stop.load()) {
    Log("stopped by signal; the last completed round is checkpointed");
    return absl::OkStatus();
  }
  WriteMetrics(absl::StrFormat(
      R"({"kind":"final","step":%d,"round":%d,"test_accuracy":%.6f,"test_loss":%.6f,%s"time_s":%.3f,"model_hash":"%s"})",
      fc.rounds(), fc.rounds() - 1, last_accuracy_, last_loss_,
      last_robust_ >= 0 ? absl::StrFormat(R"("robust_accuracy":%.6f,)", last_robust_) : "",
      NowSeconds() - start_time_, WeightsHash(weights_)));
  Log(absl::StrCat("done after ", fc.rounds(), " rounds; model ", WeightsHash(weights_)));
  // Until every live client has heard DONE (a fetch or a heartbeat reply), at
  // most one heartbeat interval and a bit (clients past it exit on their own
  // once a heartbeat said done), never past client_timeout_s.
  coordinator_->Finish(absl::Seconds(
      std::min(fc.client_timeout_s(), std::max(5.0f, fc.client_timeout_s() / 4 + 2))));
  return absl::OkStatus();
}

absl::Status FedServer::RunRound(int round, const std::atomic<bool>& stop, bool* advanced,
                                 int* attempts) {
  const proto::FederatedConfig& fc = config_.federated();
  coordinator_->WaitForClients(fc.min_clients(),
                               absl::Now() + absl::Seconds(fc.round_timeout_s()), stop);
  const int m = NumSampled(fc.num_clients(), fc.fraction(), fc.min_clients());
  const std::vector<int> sampled = SampleClients(fc.seed(), round, fc.num_clients(), m);
  proto::Task task;
  task.set_kind(proto::Task::TRAIN);
  task.set_round(round);
  *task.mutable_config() = MakeRoundConfig(fc);
  task.mutable_config()->set_num_sampled(m);
  ToProtos(weights_, task.mutable_model());
  strategy_->ConfigureRound(round, &task);
  coordinator_->OpenRound(round, sampled,
                          std::make_shared<const std::string>(task.SerializeAsString()));
  std::vector<int> missing;
  std::vector<ClientUpdate> updates = coordinator_->CollectRound(
      absl::Now() + absl::Seconds(fc.round_timeout_s()), stop, &missing);
  if (stop.load()) return absl::OkStatus();
  if (!missing.empty()) {
    Log(absl::StrCat("round ", round, ": no update from clients [", absl::StrJoin(missing, ","),
                     "] (dropped)"));
  }
  const int answered = static_cast<int>(updates.size());
  if (answered < fc.min_clients()) {
    ++*attempts;
    WriteMetrics(absl::StrFormat(
        R"({"kind":"event","event":"round_retry","round":%d,"attempt":%d,"clients_answered":%d,"time_s":%.3f})",
        round, *attempts, answered, NowSeconds() - start_time_));
    Log(absl::StrCat("round ", round, ": only ", answered, " of min_clients=", fc.min_clients(),
                     " answered (attempt ", *attempts, ")"));
    if (*attempts <= fc.max_round_retries()) return absl::OkStatus();
    Log(absl::StrCat("round ", round, ": retries exhausted, skipped with the model unchanged"));
    updates.clear();
  }
  *attempts = 0;
  auto weighting = ParseWeighting(fc.weighting());
  std::optional<Weights> delta = updates.empty() ? std::nullopt : Aggregate(updates, *weighting);
  if (delta) {
    strategy_->Apply(*delta, &weights_);
  } else if (!updates.empty()) {
    Log(absl::StrCat("round ", round, ": aggregate skipped (no examples or non-finite)"));
  }
  Evaluate(round, answered, updates, !delta.has_value());
  *advanced = true;
  return SaveCheckpoint(round + 1);
}

void FedServer::Evaluate(int round, int answered, const std::vector<ClientUpdate>& updates,
                         bool skipped) {
  const proto::FederatedConfig& fc = config_.federated();
  const std::vector<core::Parameter>& params = model_->Parameters();
  (void)ToParameters(weights_, params);
  const core::Dataset& test = data_.data.test;
  std::unique_ptr<AttackOptions> attack;
  const float eps = fc.fal_eval_epsilon() >= 0 ? fc.fal_eval_epsilon() : fc.fal_epsilon();
  const bool robust = fc.fal() || fc.fal_eval_epsilon() > 0;
  if (robust && fc.fal_eval_every() > 0 && (round + 1) % fc.fal_eval_every() == 0) {
    const float step = fc.fal_eval_step_size() > 0
                           ? fc.fal_eval_step_size()
                           : 2.5f * eps / std::max(1, fc.fal_eval_steps());
    attack = std::make_unique<AttackOptions>(
        ScaleAttack(DataRange(test), eps, fc.fal_eval_steps(), step,
                    fc.fal_eval_rand_init(), fc.fal_domain_min(), fc.fal_domain_max()));
  }
  SplitMix64 rng = Stream(fc.seed(), StreamTag::kAttack, RoundClientIndex(round, -1));
  const EvalResult r = federated::Evaluate(model_.get(), test, 0, attack.get(),
                                           fc.fal_eval_limit(), &rng);
  last_accuracy_ = r.accuracy;
  last_loss_ = r.loss;
  if (attack) last_robust_ = r.robust_accuracy;
  std::string extra;
  if (attack) absl::StrAppendFormat(&extra, R"("robust_accuracy":%.6f,)", r.robust_accuracy);
  if (auto v = WeightedMetric(updates, "train_loss")) {
    absl::StrAppendFormat(&extra, R"("train_loss":%.6f,)", *v);
  }
  for (const auto& [k, v] : strategy_->Metrics()) absl::StrAppendFormat(&extra, R"("%s":%.6g,)", k, v);
  WriteMetrics(absl::StrFormat(
      R"({"kind":"round","round":%d,"step":%d,"clients_answered":%d,"test_accuracy":%.6f,"test_loss":%.6f,%s"skipped":%s,"model_hash":"%s","time_s":%.3f})",
      round, round + 1, answered, r.accuracy, r.loss, extra, skipped ? "true" : "false",
      WeightsHash(weights_), NowSeconds() - start_time_));
  Log(absl::StrFormat("round %d: %d answered, test accuracy %.4f%s", round, answered, r.accuracy,
                      attack ? absl::StrFormat(", robust %.4f", r.robust_accuracy) : ""));
}

void FedServer::WriteMetrics(const std::string& line) {
  if (!metrics_) return;
  std::fprintf(metrics_, "%s\n", line.c_str());
  std::fflush(metrics_);
}

absl::Status FedServer::SaveCheckpoint(int next_round) const {
  if (config_.checkpoint().dir().empty()) return absl::OkStatus();
  proto::FedServerCheckpoint ckpt;
  ckpt.set_next_round(next_round);
  ToProtos(weights_, ckpt.mutable_model());
  strategy_->SaveState(ckpt.mutable_strategy());
  ckpt.set_partition_hash(data_.partition_hash);
  google::protobuf::TextFormat::PrintToString(config_, ckpt.mutable_config_text());
  std::error_code ec;
  std::filesystem::create_directories(config_.checkpoint().dir(), ec);
  const std::string path = CheckpointPath(config_);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !ckpt.SerializeToOstream(&out) || !out.flush()) {
      return absl::InternalError(absl::StrCat("checkpoint.dir: cannot write '", tmp, "'"));
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("checkpoint: rename to '", path, "': ", ec.message()));
  return absl::OkStatus();
}

absl::Status FedServer::LoadCheckpoint(int* next_round) {
  if (config_.checkpoint().dir().empty()) {
    return absl::InvalidArgumentError("--resume needs checkpoint.dir");
  }
  const std::string path = CheckpointPath(config_);
  std::ifstream in(path, std::ios::binary);
  proto::FedServerCheckpoint ckpt;
  if (!in) return absl::NotFoundError(absl::StrCat("--resume: no checkpoint at '", path, "'"));
  if (!ckpt.ParseFromIstream(&in)) {
    return absl::DataLossError(absl::StrCat("--resume: '", path, "' is corrupt"));
  }
  if (ckpt.partition_hash() != data_.partition_hash) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--resume: checkpoint partition ", ckpt.partition_hash(), " differs from this config's ",
        data_.partition_hash, " (different data, seed or partition settings)"));
  }
  Weights w;
  if (absl::Status s = FromProtos(ckpt.model(), &w); !s.ok()) return s;
  if (absl::Status s = SameLayout(weights_, w, "checkpoint model"); !s.ok()) return s;
  if (absl::Status s = strategy_->LoadState(ckpt.strategy(), weights_); !s.ok()) return s;
  weights_ = std::move(w);
  *next_round = ckpt.next_round();
  Log(absl::StrCat("resumed from ", path, " at round ", *next_round, "; model ", WeightsHash(weights_)));
  return absl::OkStatus();
}

}  // namespace syncline::federated
