#include "federated/setup.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "federated/aggregate.h"
#include "federated/rng.h"
#include "federated/strategy.h"

namespace syncline::federated {

absl::Status ValidateFederatedConfig(const proto::ExperimentConfig& config) {
  const proto::FederatedConfig& c = config.federated();
  std::vector<std::string> p;
  auto need = [&p](bool ok, const std::string& what) {
    if (!ok) p.push_back(what);
  };
  need(c.rounds() >= 1, absl::StrCat("federated.rounds must be >= 1, got ", c.rounds()));
  need(c.num_clients() >= 1,
       absl::StrCat("federated.num_clients must be >= 1, got ", c.num_clients()));
  need(c.min_clients() >= 1 && c.min_clients() <= c.num_clients(),
       absl::StrCat("federated.min_clients must be in [1, num_clients=", c.num_clients(),
                    "], got ", c.min_clients()));
  need(c.fraction() > 0 && c.fraction() <= 1,
       absl::StrCat("federated.fraction must be in (0, 1], got ", c.fraction()));
  need(c.local_batch() >= 1, absl::StrCat("federated.local_batch must be >= 1"));
  need(c.local_epochs() >= 1 || c.local_steps() >= 1,
       "federated.local_epochs or federated.local_steps must be >= 1");
  need(c.local_lr() > 0, absl::StrCat("federated.local_lr must be > 0, got ", c.local_lr()));
  need(c.round_timeout_s() > 0, "federated.round_timeout_s must be > 0");
  need(c.client_timeout_s() > 0, "federated.client_timeout_s must be > 0");
  need(c.fal_epsilon() >= 0 && c.fal_train_steps() >= 0 && c.fal_eval_steps() >= 0,
       "federated.fal_epsilon and fal_*_steps must be >= 0");
  need(c.fal_domain_max() > c.fal_domain_min(), "federated.fal_domain_max must exceed fal_domain_min");
  need(c.fal_clean_weight() >= 0 && c.fal_clean_weight() <= 1,
       "federated.fal_clean_weight must be in [0, 1]");
  if (auto w = ParseWeighting(c.weighting()); !w.ok()) p.push_back(std::string(w.status().message()));
  if (auto s = CreateStrategy(c); !s.ok()) p.push_back(std::string(s.status().message()));
  const proto::ServerConfig& s = config.server();
  need(s.address().find(':') != std::string::npos,
       absl::StrCat("server.address must be HOST:PORT, got '", s.address(), "'"));
  need(s.max_message_bytes() >= 64 * 1024, "server.max_message_bytes must be >= 65536");
  need(s.chunk_bytes() >= 1024 && s.chunk_bytes() <= s.max_message_bytes() - 1024,
       "server.chunk_bytes must be in [1024, max_message_bytes - 1024]");
  if (p.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(p, "; "));
}

absl::StatusOr<FedData> LoadFedData(const proto::ExperimentConfig& config) {
  auto pair = core::LoadDataset(config.data(), static_cast<uint64_t>(config.train().seed()));
  if (!pair.ok()) return pair.status();
  const proto::FederatedConfig& c = config.federated();
  PartitionOptions o;
  o.kind = c.partition();
  o.num_clients = c.num_clients();
  o.alpha = c.dirichlet_alpha();
  o.min_size = c.min_partition_size();
  o.self_balancing = c.self_balancing();
  o.max_tries = c.partition_max_tries();
  o.seed = c.seed();
  auto part = MakePartition(pair->train.labels, pair->train.num_classes, o);
  if (!part.ok()) return part.status();
  FedData out;
  out.partition_hash = PartitionHash(*part);
  out.partition = std::move(*part);
  out.data = std::move(*pair);
  return out;
}

absl::StatusOr<std::unique_ptr<core::Model>> BuildFedModel(const proto::ExperimentConfig& config,
                                                            const core::Dataset& data) {
  const uint64_t seed = Stream(config.federated().seed(), StreamTag::kInit, 0).Next();
  return core::BuildModel(config.model(), data.example_shape(), data.num_classes, seed);
}

proto::RoundConfig MakeRoundConfig(const proto::FederatedConfig& c) {
  proto::RoundConfig r;
  r.set_local_epochs(c.local_epochs());
  r.set_local_steps(c.local_steps());
  r.set_local_batch(c.local_batch());
  r.set_local_lr(c.local_lr());
  r.set_fedprox_mu(c.fedprox_mu());
  r.set_seed(c.seed());
  r.set_fal(c.fal());
  if (c.fal()) {
    r.set_fal_epsilon(c.fal_epsilon());
    r.set_fal_steps(c.fal_train_steps());
    r.set_fal_step_size(c.fal_train_step_size());
    r.set_fal_rand_init(c.fal_train_rand_init());
    r.set_fal_clean_weight(c.fal_clean_weight());
    r.set_fal_domain_min(c.fal_domain_min());
    r.set_fal_domain_max(c.fal_domain_max());
  }
  return r;
}

core::Dataset Subset(const core::Dataset& data, const std::vector<int64_t>& indices) {
  core::Dataset out;
  out.num_classes = data.num_classes;
  if (indices.empty()) {
    core::Shape shape = data.images.shape();
    shape[0] = 0;
    out.images = core::Tensor(shape);
    return out;
  }
  core::GatherBatch(data, indices, &out.images, &out.labels);
  return out;
}

}  // namespace syncline::federated
