// MKOR (Mozaffari et al., NeurIPS 2023; specs/mkor.md): keeps the inverse
// Kronecker factors L^-1 (d_out x d_out) and R^-1 (d_in' x d_in') of every
// Linear/Conv2d layer, updates them by rank-1 Sherman-Morrison steps from the
// layers' batch-mean vectors a and g every inv_freq steps, preconditions the
// weight gradient H = L^-1 [dW | db] R^-1, rescales it to the raw gradient's
// norm, and hands all gradients to a base optimizer (SGD or LAMB).
//
// Data parallel: gradients arrive already averaged; the a and g vectors of
// all layers are concatenated into one buffer and allreduce-averaged exactly
// once per factor update through `comm` (null or size 1: no collective).
// MKOR turns the model's statistics collection on only for the backward pass
// that precedes a factor-update step (via set_collect).
//
// MKOR-H (config name "mkor_h" or mkor.h_enabled): the trainer reports each
// step's local mean loss with set_step_loss (on every rank, or on none); MKOR
// averages it across ranks and feeds SwitchDetector. After the switch MKOR
// frees the factors and passes gradients through unchanged; the base
// optimizer keeps its state. The switch is an OptimizerEvent and is logged.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "optim/mkor_factor.h"
#include "optim/mkor_inverse_factor.h"
#include "optim/mkor_h.h"
#include "optim/optimizer.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim {

class Mkor : public Optimizer {
 public:
  // params: every model parameter (the base optimizer steps them all).
  // layers: the Linear/Conv2d statistics slots; weight_grad (and bias_grad
  // when present) must point into params' gradients. set_collect may be empty.
  static absl::StatusOr<std::unique_ptr<Mkor>> Create(const proto::OptimizerConfig& config,
                                                      std::vector<core::Parameter> params,
                                                      std::vector<core::Rank1Stats*> layers,
                                                      std::function<void(bool)> set_collect,
                                                      comm::Communicator* comm);

  absl::Status Step() override;
  std::string name() const override { return h_enabled_ ? "mkor_h" : "mkor"; }
  void set_step_loss(double loss) override;
  void SaveState(proto::StateProto* state) const override;
  absl::Status LoadState(const proto::StateProto& state) override;

  // Inspection (tests, logging).
  int num_layers() const { return static_cast<int>(layers_.size()); }
  // The factors as dense row-major matrices (empty after MKOR-H's switch).
  std::vector<float> left_inverse(int i) const { return layers_[i].left.ToDense(); }
  std::vector<float> right_inverse(int i) const { return layers_[i].right.ToDense(); }
  const mkor::InverseFactor& left_factor(int i) const { return layers_[i].left; }
  const mkor::InverseFactor& right_factor(int i) const { return layers_[i].right; }
  bool switched() const { return detector_.switched(); }
  int64_t switch_step() const { return detector_.switch_step(); }
  // Vectors communicated in the last factor update (sum of d_in' + d_out).
  int64_t last_message_size() const { return static_cast<int64_t>(message_.size()); }
  int64_t rescale_warnings() const { return rescale_warnings_; }
  Optimizer& base() { return *base_; }
  // True when Step() number t (0-based) updates the factors.
  bool IsFactorStep(int64_t t) const;

 private:
  struct Layer {
    core::Rank1Stats* stats = nullptr;
    int d_out = 0, d_in = 0, d_in1 = 0;  // d_in1 = d_in + has_bias
    mkor::InverseFactor left, right;     // L^-1, R^-1
    bool reset_left = true, reset_right = true;
    int owner = 0;  // the rank that preconditions this layer when distributed
  };
  Mkor(const proto::OptimizerConfig& config, std::vector<core::Parameter> params,
       std::unique_ptr<Optimizer> base, std::function<void(bool)> set_collect,
       comm::Communicator* comm);

  absl::Status UpdateFactors();
  absl::Status Communicate();
  void UpdateLayerFactors(Layer& layer, const float* a, const float* g);
  void UpdateOne(Layer& layer, mkor::InverseFactor& f, bool& flag, const float* v);
  absl::Status Resync();
  void Precondition(Layer& layer);
  // Spreads the layers over the ranks by preconditioning cost (same result on every rank).
  void AssignOwners();
  // Preconditions this rank's layers (all of them unless distributed), then
  // broadcasts each layer's result from its owner.
  absl::Status PreconditionAll();
  absl::Status ObserveLoss();
  void FreeFactors();

  proto::MkorConfig config_;
  std::unique_ptr<Optimizer> base_;
  std::function<void(bool)> set_collect_;
  comm::Communicator* comm_;
  std::vector<Layer> layers_;
  mkor::UpdateVariant variant_;
  mkor::StabNorm stab_norm_;
  bool h_enabled_ = false;
  bool distributed_ = false;  // distribute_preconditioning with more than one rank
  mkor::SwitchDetector detector_;
  double pending_loss_ = 0.0;
  bool has_loss_ = false;
  int64_t factor_updates_ = 0;
  int64_t rescale_warnings_ = 0;
  std::vector<float> message_, scratch_, gcat_, tmp_, h_;
};

}  // namespace syncline::optim
