#include "optim/mkor.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "optim/factory.h"
#include "optim/param_groups.h"
#include "optim/state_io.h"

namespace syncline::optim {
namespace {

// Layers whose name matches one of the regexes are left to the base optimizer.
absl::StatusOr<std::vector<core::Rank1Stats*>> FilterLayers(std::vector<core::Rank1Stats*> layers,
                                                            const proto::MkorConfig& c) {
  std::vector<std::regex> excluded;
  for (const std::string& r : c.excluded_layers()) {
    try {  // std::regex reports bad patterns only by throwing.
      excluded.emplace_back(r);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer.mkor.excluded_layers: invalid regex \"", r, "\": ", e.what()));
    }
  }
  std::vector<core::Rank1Stats*> kept;
  for (core::Rank1Stats* s : layers) {
    bool skip = false;
    for (const std::regex& re : excluded) skip = skip || std::regex_search(s->layer, re);
    if (!skip) kept.push_back(s);
  }
  return kept;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Mkor>> Mkor::Create(const proto::OptimizerConfig& config,
                                                   std::vector<core::Parameter> params,
                                                   std::vector<core::Rank1Stats*> layers,
                                                   std::function<void(bool)> set_collect,
                                                   comm::Communicator* comm) {
  if (absl::Status s = ValidateOptimizerConfig(config); !s.ok()) return s;
  proto::OptimizerConfig base_config = config;
  base_config.set_name(config.mkor().base());
  auto base = CreateFirstOrderOptimizer(base_config, params);
  if (!base.ok()) return base.status();
  auto kept = FilterLayers(std::move(layers), config.mkor());
  if (!kept.ok()) return kept.status();
  std::unique_ptr<Mkor> mkor(
      new Mkor(config, std::move(params), *std::move(base), std::move(set_collect), comm));
  const mkor::FactorForm form =
      config.mkor().factor_form() == "dense" ? mkor::FactorForm::kDense : mkor::FactorForm::kAuto;
  const bool half = config.mkor().factor_dtype() == "fp16";
  for (core::Rank1Stats* s : *kept) {
    if (s == nullptr || s->weight_grad == nullptr || s->weight_grad->numel() == 0) {
      return absl::InvalidArgumentError("MKOR: a Linear/Conv2d layer has no weight gradient slot");
    }
    Layer l;
    l.stats = s;
    l.d_out = static_cast<int>(s->weight_grad->dim(0));
    l.d_in = static_cast<int>(s->weight_grad->numel() / l.d_out);
    l.d_in1 = l.d_in + (s->bias_grad != nullptr ? 1 : 0);
    l.left = mkor::InverseFactor(l.d_out, form, half);
    l.right = mkor::InverseFactor(l.d_in1, form, half);
    mkor->layers_.push_back(std::move(l));
  }
  mkor->AssignOwners();
  if (mkor->set_collect_) mkor->set_collect_(mkor->IsFactorStep(0));
  return mkor;
}

Mkor::Mkor(const proto::OptimizerConfig& config, std::vector<core::Parameter> params,
           std::unique_ptr<Optimizer> base, std::function<void(bool)> set_collect,
           comm::Communicator* comm)
    : Optimizer(std::move(params)),
      config_(config.mkor()),
      base_(std::move(base)),
      set_collect_(std::move(set_collect)),
      comm_(comm),
      variant_(config.mkor().update_variant() == "exact_momentum" ? mkor::UpdateVariant::kExactMomentum
                                                                  : mkor::UpdateVariant::kReference),
      stab_norm_(config.mkor().stabilizer_norm() == "inf_norm" ? mkor::StabNorm::kInfNorm
                                                               : mkor::StabNorm::kMaxAbs),
      h_enabled_(config.name() == "mkor_h" || config.mkor().h_enabled()),
      detector_(config.mkor().h()) {
  lr_ = config.lr();
}

bool Mkor::IsFactorStep(int64_t t) const {
  return t % config_.inv_freq() == 0 || t < config_.warmup_steps();
}

void Mkor::set_step_loss(double loss) {
  pending_loss_ = loss;
  has_loss_ = true;
}

absl::Status Mkor::Step() {
  if (absl::Status s = CheckFiniteGradients(); !s.ok()) return s;
  if (!detector_.switched()) {
    if (IsFactorStep(step_count_)) {
      if (absl::Status s = UpdateFactors(); !s.ok()) return s;
    }
    if (absl::Status s = PreconditionAll(); !s.ok()) return s;
  }
  base_->set_lr(lr_);
  if (absl::Status s = base_->Step(); !s.ok()) return s;
  if (h_enabled_ && !detector_.switched()) {
    if (absl::Status s = ObserveLoss(); !s.ok()) return s;
  }
  has_loss_ = false;
  ++step_count_;
  if (set_collect_) set_collect_(!detector_.switched() && IsFactorStep(step_count_));
  return absl::OkStatus();
}

absl::Status Mkor::UpdateFactors() {
  for (const Layer& l : layers_) {
    if (l.stats->a.numel() != l.d_in1 || l.stats->g.numel() != l.d_out) {
      return absl::FailedPreconditionError(absl::StrCat(
          "MKOR step ", step_count_, ": layer ", l.stats->layer, " has rank-1 statistics of sizes ",
          l.stats->a.numel(), "/", l.stats->g.numel(), ", expected ", l.d_in1, "/", l.d_out,
          " (was Backward run with statistics collection on?)"));
    }
  }
  if (absl::Status s = Communicate(); !s.ok()) return s;
  // message_ = [a_1 .. a_n, g_1 .. g_n], averaged over ranks.
  int64_t a_off = 0, g_off = 0;
  for (const Layer& l : layers_) g_off += l.d_in1;
  for (Layer& l : layers_) {
    UpdateLayerFactors(l, message_.data() + a_off, message_.data() + g_off);
    a_off += l.d_in1;
    g_off += l.d_out;
  }
  ++factor_updates_;
  if (config_.resync_every() > 0 && factor_updates_ % config_.resync_every() == 0) return Resync();
  return absl::OkStatus();
}

absl::Status Mkor::Communicate() {
  message_.clear();
  const float clip = config_.clip_value();
  auto append = [&](const core::Tensor& v) {
    for (int64_t i = 0; i < v.numel(); ++i) message_.push_back(std::clamp(v[i], -clip, clip));
  };
  for (const Layer& l : layers_) append(l.stats->a);
  for (const Layer& l : layers_) append(l.stats->g);
  if (config_.comm_dtype() == "fp16") mkor::RoundToHalf(message_.data(), message_.size());
  if (comm_ == nullptr || comm_->size() <= 1 || message_.empty()) return absl::OkStatus();
  comm::AllreduceOptions o;
  o.tag = "mkor rank-1 vectors";
  if (absl::Status s = comm_->Allreduce(message_.data(), message_.size(), o); !s.ok()) return s;
  float inv = 1.0f / comm_->size();
  if (config_.compat_double_average()) inv /= comm_->size();
  for (float& x : message_) x *= inv;
  return absl::OkStatus();
}

void Mkor::UpdateLayerFactors(Layer& l, const float* a, const float* g) {
  if (!mkor::AllFinite(a, l.d_in1) || !mkor::AllFinite(g, l.d_out)) return;  // spec section 9
  UpdateOne(l, l.right, l.reset_right, a);
  UpdateOne(l, l.left, l.reset_left, g);
}

void Mkor::UpdateOne(Layer& l, mkor::InverseFactor& f, bool& flag, const float* v) {
  if (flag) {
    f.BlendToIdentity(config_.stabilizer_zeta());
    flag = false;
  } else if (f.Update(variant_, v, config_.gamma())) {
    if (f.StabilizerNorm(stab_norm_) > config_.stabilizer_threshold()) {
      l.reset_left = l.reset_right = true;
    }
  }
  if (!f.AllFinite()) f.SetIdentity();
}

absl::Status Mkor::Resync() {
  if (comm_ == nullptr || comm_->size() <= 1) return absl::OkStatus();
  for (Layer& l : layers_) {
    const std::string tag = "mkor factors " + l.stats->layer;
    if (absl::Status s = l.left.Broadcast(comm_, 0, tag); !s.ok()) return s;
    if (absl::Status s = l.right.Broadcast(comm_, 0, tag); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void Mkor::AssignOwners() {
  distributed_ = config_.distribute_preconditioning() && comm_ != nullptr && comm_->size() > 1;
  if (!distributed_) return;
  // Longest-processing-time greedy: costliest layer first, to the least-loaded rank.
  std::vector<size_t> order(layers_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto cost = [&](size_t i) {
    const Layer& l = layers_[i];
    return static_cast<double>(l.d_out) * l.d_in1 * (l.d_out + l.d_in1);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost(a) > cost(b); });
  std::vector<double> load(static_cast<size_t>(comm_->size()), 0.0);
  for (size_t i : order) {
    const size_t r = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    layers_[i].owner = static_cast<int>(r);
    load[r] += cost(i);
  }
}

absl::Status Mkor::PreconditionAll() {
  for (Layer& l : layers_) {
    if (!distributed_ || l.owner == comm_->rank()) Precondition(l);
  }
  if (!distributed_) return absl::OkStatus();
  for (Layer& l : layers_) {
    comm::BroadcastOptions o;
    o.root = l.owner;
    o.tag = "mkor preconditioned " + l.stats->layer;
    core::Tensor* w = l.stats->weight_grad;
    if (absl::Status s = comm_->Broadcast(w->data(), w->numel() * sizeof(float), o); !s.ok()) {
      return s;
    }
    if (core::Tensor* b = l.stats->bias_grad; b != nullptr) {
      if (absl::Status s = comm_->Broadcast(b->data(), b->numel() * sizeof(float), o); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

void Mkor::Precondition(Layer& l) {
  const int m = l.d_out, n = l.d_in1, k = l.d_in;
  float* w = l.stats->weight_grad->data();
  float* b = l.stats->bias_grad != nullptr ? l.stats->bias_grad->data() : nullptr;
  gcat_.resize(static_cast<size_t>(m) * n);
  tmp_.resize(gcat_.size());
  h_.resize(gcat_.size());
  for (int r = 0; r < m; ++r) {
    std::copy(w + static_cast<int64_t>(r) * k, w + static_cast<int64_t>(r + 1) * k, &gcat_[static_cast<size_t>(r) * n]);
    if (b != nullptr) gcat_[static_cast<size_t>(r) * n + k] = b[r];
  }
  l.left.MultiplyLeft(gcat_.data(), n, tmp_.data(), &scratch_);
  l.right.MultiplyRight(tmp_.data(), m, h_.data(), &scratch_);
  // Norms of the weight part and the bias column, separately.
  double gw = 0, gb = 0, hw = 0, hb = 0;
  for (int r = 0; r < m; ++r) {
    const size_t row = static_cast<size_t>(r) * n;
    gw += SquaredNorm(&gcat_[row], k);
    hw += SquaredNorm(&h_[row], k);
    if (b != nullptr) {
      gb += static_cast<double>(gcat_[row + k]) * gcat_[row + k];
      hb += static_cast<double>(h_[row + k]) * h_[row + k];
    }
  }
  double num, den;
  if (config_.rescale() == "frobenius") {
    num = std::sqrt(gw + gb);
    den = std::sqrt(hw + hb);
  } else {
    num = std::sqrt(gw) + std::sqrt(gb);
    den = std::sqrt(hw) + std::sqrt(hb);
  }
  if (!(den > 0) || !std::isfinite(num / den)) {
    if (num > 0) ++rescale_warnings_;  // spec section 9: leave the gradient unchanged
    return;
  }
  const float scale = static_cast<float>(num / den);
  for (int r = 0; r < m; ++r) {
    const size_t row = static_cast<size_t>(r) * n;
    for (int c = 0; c < k; ++c) w[static_cast<int64_t>(r) * k + c] = scale * h_[row + c];
    if (b != nullptr) b[r] = scale * h_[row + k];
  }
}

absl::Status Mkor::ObserveLoss() {
  bool now;
  if (has_loss_) {
    float loss = static_cast<float>(pending_loss_);
    if (comm_ != nullptr && comm_->size() > 1) {
      comm::AllreduceOptions o;
      o.tag = "mkor_h loss";
      if (absl::Status s = comm_->Allreduce(&loss, 1, o); !s.ok()) return s;
      loss /= comm_->size();
    }
    now = detector_.Observe(step_count_, loss);
  } else {
    now = detector_.CheckForce(step_count_);
  }
  if (now) {
    FreeFactors();
    const std::string detail = absl::StrCat("MKOR-H switched to ", config_.base(), " at step ",
                                            step_count_, " (factors freed)");
    events_.push_back({"mkor_h_switch", step_count_, detail});
    if (comm_ == nullptr || comm_->rank() == 0) std::cerr << "syncline: " << detail << std::endl;
  }
  return absl::OkStatus();
}

void Mkor::FreeFactors() {
  for (Layer& l : layers_) {
    l.left.Free();
    l.right.Free();
  }
}

void Mkor::SaveState(proto::StateProto* state) const {
  Optimizer::SaveState(state);
  proto::StateProto base_state;
  base_->SaveState(&base_state);
  MergeWithPrefix(base_state, "base/", state);
  PutScalar("mkor/factor_updates", static_cast<double>(factor_updates_), state);
  detector_.SaveState("mkor/h/", state);
  if (detector_.switched()) return;
  for (const Layer& l : layers_) {
    const std::string& name = l.stats->layer;
    l.left.Save("mkor/left/" + name, state);
    l.right.Save("mkor/right/" + name, state);
    PutScalar("mkor/reset_left/" + name, l.reset_left ? 1 : 0, state);
    PutScalar("mkor/reset_right/" + name, l.reset_right ? 1 : 0, state);
  }
}

absl::Status Mkor::LoadState(const proto::StateProto& state) {
  if (absl::Status s = Optimizer::LoadState(state); !s.ok()) return s;
  if (absl::Status s = base_->LoadState(ExtractPrefix(state, "base/")); !s.ok()) return s;
  auto updates = GetScalar(state, "mkor/factor_updates");
  if (!updates.ok()) return updates.status();
  factor_updates_ = static_cast<int64_t>(*updates);
  if (absl::Status s = detector_.LoadState(state, "mkor/h/"); !s.ok()) return s;
  if (detector_.switched()) {
    FreeFactors();
  } else {
    for (Layer& l : layers_) {
      const std::string& name = l.stats->layer;
      if (absl::Status s = l.left.Load(state, "mkor/left/" + name); !s.ok()) return s;
      if (absl::Status s = l.right.Load(state, "mkor/right/" + name); !s.ok()) return s;
      auto rl = GetScalar(state, "mkor/reset_left/" + name);
      auto rr = GetScalar(state, "mkor/reset_right/" + name);
      if (!rl.ok()) return rl.status();
      if (!rr.ok()) return rr.status();
      l.reset_left = *rl != 0;
      l.reset_right = *rr != 0;
    }
  }
  if (set_collect_) set_collect_(!detector_.switched() && IsFactorStep(step_count_));
  return absl::OkStatus();
}

}  // namespace syncline::optim
