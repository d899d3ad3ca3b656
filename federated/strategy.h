// Server strategies: how the aggregate Delta_t moves the global model
// (federated-conventions.md section 6, fedhyper.md section 2).
//
// Every strategy takes the UNSCALED aggregate Delta_t (descent direction,
// u = y - x) and updates the model in place; its state is checkpointed with
// the model so that a resumed server continues identically.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "federated/weights.h"
#include "syncline/checkpoint.pb.h"
#include "syncline/federated.pb.h"
#include "syncline/federated_config.pb.h"

namespace syncline::federated {

class ServerStrategy {
 public:
  virtual ~ServerStrategy() = default;
  virtual std::string name() const = 0;
  // Fills round-specific settings for round t's clients (local lr for SL,
  // Delta_{t-1} and CL constants for CL). `config` arrives pre-filled from
  // the experiment config.
  virtual void ConfigureRound(int /*round*/, proto::Task* /*task*/) {}
  // x <- x + step(Delta). Called only with a finite aggregate of the model's layout.
  virtual void Apply(const Weights& delta, Weights* model) = 0;
  virtual void SaveState(proto::StateProto* state) const = 0;
  // `model` gives the layout that tensor state must match.
  virtual absl::Status LoadState(const proto::StateProto& state, const Weights& model) = 0;
  // Scalars worth logging each round (alpha, local_lr, ...).
  virtual std::map<std::string, double> Metrics() const { return {}; }
};

// "fedavg", "fedadam", "fedhyper_g", "fedhyper_gm", "fedhyper_sl", "fedhyper_cl",
// "fedhyper_g_cl" (G + CL), "fedhyper_full" (GM + CL);
// unknown names or bad settings are InvalidArgument naming the field.
absl::StatusOr<std::unique_ptr<ServerStrategy>> CreateStrategy(const proto::FederatedConfig& c);

}  // namespace syncline::federated
