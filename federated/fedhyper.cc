#include "federated/fedhyper.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "federated/strategy_util.h"

namespace syncline::federated {
namespace {

using internal::LoadWeights;
using internal::SaveWeights;
using internal::Scalar;

absl::Status ResolveBounds(const proto::FederatedConfig& c, double* lo, double* hi) {
  if (c.fedhyper_bounds() == "reference") {
    *lo = 0.2;
    *hi = 5.0;
  } else if (c.fedhyper_bounds() == "paper") {
    *lo = 1.0 / 3.0;
    *hi = 3.0;
  } else if (c.fedhyper_bounds() == "custom") {
    *lo = c.fedhyper_alpha_min();
    *hi = c.fedhyper_alpha_max();
  } else {
    return absl::InvalidArgumentError("federated.fedhyper_bounds: unknown '" +
                                      c.fedhyper_bounds() + "' (reference | paper | custom)");
  }
  if (!(*lo > 0 && *lo <= *hi)) {
    return absl::InvalidArgumentError("federated.fedhyper_alpha_min/max: need 0 < min <= max");
  }
  return absl::OkStatus();
}

// G: alpha <- clip(alpha + beta * <Delta_t, Delta_{t-1}>); x <- x + alpha * Delta.
// The hypergradient step's signal from h = <delta, prev> (fedhyper_hyper_norm).
double Normalise(const std::string& norm, double h, const Weights& delta, const Weights& prev) {
  if (norm == "sigmoid") return 1.0 / (1.0 + std::exp(-0.1 * h));
  if (norm == "cosine") {
    const double scale = std::sqrt(Dot(delta, delta) * Dot(prev, prev));
    return scale > 0 ? h / scale : 0.0;
  }
  return h;
}

class FedHyperG : public ServerStrategy {
 public:
  FedHyperG(const proto::FederatedConfig& c, double lo, double hi)
      : alpha0_(c.fedhyper_alpha0()), hyper_lr_(c.fedhyper_hyper_lr()), lo_(lo), hi_(hi),
        alpha_(alpha0_), norm_(c.fedhyper_hyper_norm()) {}
  std::string name() const override { return "fedhyper_g"; }
  void Apply(const Weights& delta, Weights* model) override {
    if (has_prev_) {
      const double h = Normalise(norm_, Dot(delta, prev_), delta, prev_);
      if (std::isfinite(h)) {
        alpha_ = std::clamp(alpha_ + hyper_lr_ * h, lo_, hi_);
      } else {
        std::fprintf(stderr, "fedhyper_g: non-finite hypergradient, alpha kept at %g\n", alpha_);
      }
    }
    Axpy(alpha_, delta, model);
    prev_ = delta;
    has_prev_ = true;
  }
  void SaveState(proto::StateProto* state) const override {
    (*state->mutable_scalars())["alpha"] = alpha_;
    if (has_prev_) SaveWeights("delta_prev", prev_, state);
  }
  absl::Status LoadState(const proto::StateProto& state, const Weights& model) override {
    alpha_ = Scalar(state, "alpha", alpha0_);
    return LoadWeights(state, "delta_prev", model, &prev_, &has_prev_);
  }
  std::map<std::string, double> Metrics() const override { return {{"alpha", alpha_}}; }

 private:
  double alpha0_, hyper_lr_, lo_, hi_, alpha_;
  std::string norm_;
  Weights prev_;
  bool has_prev_ = false;
};

// GM: hypergradient on the momentum buffer (fedhyper.md section 2).
class FedHyperGM : public ServerStrategy {
 public:
  FedHyperGM(const proto::FederatedConfig& c, double hi)
      : mu_(c.fedhyper_gm_momentum()), agg_lo_(c.fedhyper_gm_alpha_min() - 1.0), agg_hi_(hi - 1.0),
        heavy_ball_(c.fedhyper_gm_style() == "heavy_ball") {}
  std::string name() const override { return "fedhyper_gm"; }
  void Apply(const Weights& delta, Weights* model) override {
    if (!has_m_) {
      Axpy(1.0, delta, model);
      m_ = delta;
      has_m_ = true;
      agg_ = 0;
      return;
    }
    const double h = Dot(m_, delta);
    if (std::isfinite(h)) agg_ = std::clamp(agg_ + h, agg_lo_, agg_hi_);
    if (heavy_ball_) {
      Axpy(1.0 + agg_, delta, model);
      Axpy((1.0 + agg_) * mu_, m_, model);
    } else {
      Axpy(1.0 + agg_, delta, model);
      Axpy(mu_ * agg_, m_, model);
    }
    Scale(mu_, &m_);
    Axpy(1.0, delta, &m_);
  }
  void SaveState(proto::StateProto* state) const override {
    (*state->mutable_scalars())["agg"] = agg_;
    if (has_m_) SaveWeights("m", m_, state);
  }
  absl::Status LoadState(const proto::StateProto& state, const Weights& model) override {
    agg_ = Scalar(state, "agg", 0.0);
    return LoadWeights(state, "m", model, &m_, &has_m_);
  }
  std::map<std::string, double> Metrics() const override { return {{"alpha", 1.0 + agg_}}; }

 private:
  double mu_, agg_lo_, agg_hi_;
  bool heavy_ball_;
  double agg_ = 0;
  Weights m_;
  bool has_m_ = false;
};

// SL: the server adapts the local lr, persists it and sends it next round.
class FedHyperSL : public ServerStrategy {
 public:
  explicit FedHyperSL(const proto::FederatedConfig& c)
      : eta0_(c.local_lr()), gamma_(c.fedhyper_local_lr_gamma()), eta_(eta0_) {}
  std::string name() const override { return "fedhyper_sl"; }
  void ConfigureRound(int /*round*/, proto::Task* task) override {
    task->mutable_config()->set_local_lr(static_cast<float>(eta_));
  }
  void Apply(const Weights& delta, Weights* model) override {
    if (has_prev_) {
      const double h = Dot(prev_, delta);
      if (std::isfinite(h)) agg_ += h;
    }
    eta_ = std::clamp(eta0_ * (1.0 + agg_), eta0_ / gamma_, gamma_ * eta0_);
    Axpy(1.0, delta, model);
    prev_ = delta;
    has_prev_ = true;
  }
  void SaveState(proto::StateProto* state) const override {
    (*state->mutable_scalars())["agg_sl"] = agg_;
    (*state->mutable_scalars())["eta_l"] = eta_;
    if (has_prev_) SaveWeights("delta_prev", prev_, state);
  }
  absl::Status LoadState(const proto::StateProto& state, const Weights& model) override {
    agg_ = Scalar(state, "agg_sl", 0.0);
    eta_ = Scalar(state, "eta_l", eta0_);
    return LoadWeights(state, "delta_prev", model, &prev_, &has_prev_);
  }
  std::map<std::string, double> Metrics() const override { return {{"local_lr", eta_}}; }

 private:
  double eta0_, gamma_, eta_;
  double agg_ = 0;
  Weights prev_;
  bool has_prev_ = false;
};

// CL: clients adapt their lr per step against Delta_{t-1} (sent as extras).
// The server step is FedAvg's, or another FedHyper server variant's for the
// spec's combinations G + CL ("fedhyper_g_cl") and FULL = GM + CL
// ("fedhyper_full"); Delta_{t-1} is always the UNSCALED aggregate.
class FedHyperCL : public ServerStrategy {
 public:
  FedHyperCL(const proto::FederatedConfig& c, std::string name,
             std::unique_ptr<ServerStrategy> server)
      : c_(c), name_(std::move(name)), server_(std::move(server)),
        key_(server_ ? "cl_delta_prev" : "delta_prev") {}
  std::string name() const override { return name_; }
  void ConfigureRound(int round, proto::Task* task) override {
    if (server_) server_->ConfigureRound(round, task);
    proto::RoundConfig* rc = task->mutable_config();
    rc->set_fedhyper_cl(true);
    rc->set_cl_growth_cap(c_.fedhyper_cl_growth_cap());
    rc->set_cl_coupling(c_.fedhyper_cl_coupling());
    rc->set_cl_skip_first_batch(c_.fedhyper_cl_skip_first_batch());
    rc->set_cl_beta_min(1.0f / c_.fedhyper_local_lr_gamma());
    rc->set_cl_beta_max(c_.fedhyper_local_lr_gamma());
    if (has_prev_) {
      for (const auto& t : prev_) ToProto({"delta_prev." + t.name, t.value}, task->add_extras());
    }
  }
  void Apply(const Weights& delta, Weights* model) override {
    if (server_) {
      server_->Apply(delta, model);
    } else {
      Axpy(1.0, delta, model);
    }
    prev_ = delta;
    has_prev_ = true;
  }
  void SaveState(proto::StateProto* state) const override {
    if (server_) server_->SaveState(state);
    if (has_prev_) SaveWeights(key_, prev_, state);
  }
  absl::Status LoadState(const proto::StateProto& state, const Weights& model) override {
    if (server_) {
      if (absl::Status s = server_->LoadState(state, model); !s.ok()) return s;
    }
    return LoadWeights(state, key_, model, &prev_, &has_prev_);
  }
  std::map<std::string, double> Metrics() const override {
    return server_ ? server_->Metrics() : std::map<std::string, double>{};
  }

 private:
  proto::FederatedConfig c_;
  std::string name_;
  std::unique_ptr<ServerStrategy> server_;  // null: FedAvg step
  std::string key_;
  Weights prev_;
  bool has_prev_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperG(const proto::FederatedConfig& c) {
  double lo, hi;
  if (absl::Status s = ResolveBounds(c, &lo, &hi); !s.ok()) return s;
  const std::string& norm = c.fedhyper_hyper_norm();
  if (norm != "none" && norm != "sigmoid" && norm != "cosine") {
    return absl::InvalidArgumentError("federated.fedhyper_hyper_norm: unknown '" + norm +
                                      "' (none | sigmoid | cosine)");
  }
  return std::make_unique<FedHyperG>(c, lo, hi);
}

absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperGM(const proto::FederatedConfig& c) {
  double lo, hi;
  if (absl::Status s = ResolveBounds(c, &lo, &hi); !s.ok()) return s;
  if (c.fedhyper_gm_style() != "reference" && c.fedhyper_gm_style() != "heavy_ball") {
    return absl::InvalidArgumentError("federated.fedhyper_gm_style: unknown '" +
                                      c.fedhyper_gm_style() + "' (reference | heavy_ball)");
  }
  return std::make_unique<FedHyperGM>(c, hi);
}

std::unique_ptr<ServerStrategy> MakeFedHyperSL(const proto::FederatedConfig& c) {
  return std::make_unique<FedHyperSL>(c);
}

std::unique_ptr<ServerStrategy> MakeFedHyperCL(const proto::FederatedConfig& c) {
  return std::make_unique<FedHyperCL>(c, "fedhyper_cl", nullptr);
}

absl::StatusOr<std::unique_ptr<ServerStrategy>> MakeFedHyperWithCL(
    const proto::FederatedConfig& c, bool momentum) {
  auto server = momentum ? MakeFedHyperGM(c) : MakeFedHyperG(c);
  if (!server.ok()) return server.status();
  return std::unique_ptr<ServerStrategy>(std::make_unique<FedHyperCL>(
      c, momentum ? "fedhyper_full" : "fedhyper_g_cl", std::move(*server)));
}

}  // namespace syncline::federated
