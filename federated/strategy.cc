#include "federated/strategy.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "federated/fedhyper.h"
#include "federated/strategy_util.h"

namespace syncline::federated {
namespace {

using internal::LoadWeights;
using internal::SaveWeights;
using internal::Scalar;

// x <- x + eta_s * Delta (eta_s = 1 is FedAvg).
class FedAvg : public ServerStrategy {
 public:
  explicit FedAvg(double server_lr) : lr_(server_lr) {}
  std::string name() const override { return "fedavg"; }
  void Apply(const Weights& delta, Weights* model) override { Axpy(lr_, delta, model); }
  void SaveState(proto::StateProto*) const override {}
  absl::Status LoadState(const proto::StateProto&, const Weights&) override {
    return absl::OkStatus();
  }

 private:
  double lr_;
};

// FedAdam (federated-conventions.md section 6), element-wise in double.
class FedAdam : public ServerStrategy {
 public:
  explicit FedAdam(const proto::FederatedConfig& c)
      : lr_(c.server_lr() > 0 ? c.server_lr() : 0.1), b1_(c.server_beta1()),
        b2_(c.server_beta2()), tau_(c.server_tau()), bias_(c.server_bias_correction()),
        v0_(c.server_v_init() == "tau_sq" ? tau_ * tau_ : 0.0) {}
  std::string name() const override { return "fedadam"; }
  void Apply(const Weights& delta, Weights* model) override {
    if (!has_state_) {
      m_ = ZerosLike(delta);
      v_ = ZerosLike(delta);
      for (auto& t : v_) t.value.Fill(static_cast<float>(v0_));
      has_state_ = true;
    }
    ++round_;
    double step = lr_;
    if (bias_) step *= std::sqrt(1 - std::pow(b2_, round_)) / (1 - std::pow(b1_, round_));
    for (size_t i = 0; i < delta.size(); ++i) {
      const float* d = delta[i].value.data();
      float* m = m_[i].value.data();
      float* v = v_[i].value.data();
      float* x = (*model)[i].value.data();
      for (int64_t k = 0, n = delta[i].value.numel(); k < n; ++k) {
        const double mk = b1_ * m[k] + (1 - b1_) * static_cast<double>(d[k]);
        const double vk = b2_ * v[k] + (1 - b2_) * static_cast<double>(d[k]) * d[k];
        m[k] = static_cast<float>(mk);
        v[k] = static_cast<float>(vk);
        x[k] = static_cast<float>(x[k] + step * mk / (std::sqrt(vk) + tau_));
      }
    }
  }
  void SaveState(proto::StateProto* state) const override {
    (*state->mutable_scalars())["round"] = round_;
    if (has_state_) {
      SaveWeights("m", m_, state);
      SaveWeights("v", v_, state);
    }
  }
  absl::Status LoadState(const proto::StateProto& state, const Weights& model) override {
    round_ = static_cast<int>(Scalar(state, "round", 0));
    bool has_v = false;
    if (absl::Status s = LoadWeights(state, "m", model, &m_, &has_state_); !s.ok()) return s;
    if (absl::Status s = LoadWeights(state, "v", model, &v_, &has_v); !s.ok()) return s;
    if (has_state_ != has_v) return absl::InvalidArgumentError("fedadam state: m without v");
    return absl::OkStatus();
  }

 private:
  double lr_, b1_, b2_, tau_;
  bool bias_;
  double v0_;
  int round_ = 0;
  Weights m_, v_;
  bool has_state_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ServerStrategy>> CreateStrategy(const proto::FederatedConfig& c) {
  const std::string& s = c.strategy();
  if (s == "fedavg") return std::make_unique<FedAvg>(c.server_lr() > 0 ? c.server_lr() : 1.0);
  if (s == "fedadam") {
    if (!(c.server_tau() > 0)) {
      return absl::InvalidArgumentError("federated.server_tau must be > 0 for fedadam");
    }
    if (c.server_v_init() != "zero" && c.server_v_init() != "tau_sq") {
      return absl::InvalidArgumentError("federated.server_v_init: unknown '" + c.server_v_init() +
                                        "' (zero | tau_sq)");
    }
    return std::make_unique<FedAdam>(c);
  }
  if (s == "fedhyper_g") return MakeFedHyperG(c);
  if (s == "fedhyper_gm") return MakeFedHyperGM(c);
  if (s == "fedhyper_sl" || s == "fedhyper_cl" || s == "fedhyper_g_cl" || s == "fedhyper_full") {
    if (!(c.local_lr() > 0) || !(c.fedhyper_local_lr_gamma() >= 1)) {
      return absl::InvalidArgumentError(
          "federated.local_lr must be > 0 and federated.fedhyper_local_lr_gamma >= 1");
    }
    if (s == "fedhyper_sl") return MakeFedHyperSL(c);
    if (s == "fedhyper_cl") return MakeFedHyperCL(c);
    return MakeFedHyperWithCL(c, /*momentum=*/s == "fedhyper_full");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "federated.strategy: unknown '", s,
      "' (fedavg | fedadam | fedhyper_g | fedhyper_gm | fedhyper_sl | fedhyper_cl | "
      "fedhyper_g_cl | fedhyper_full)"));
}

}  // namespace syncline::federated
