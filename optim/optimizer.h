// Optimizer: updates a fixed list of parameters from their gradients.
//
// Step() reads each Parameter's grad (already averaged across ranks by the
// data-parallel engine) and updates its value. It returns an error, and
// leaves every parameter and all optimizer state untouched, when a gradient
// holds a NaN or Inf (the message names the parameter). SaveState/LoadState
// round-trip every buffer and counter needed for a bit-identical resume.
//
// Driving loop (the trainer): forward, backward, gradient allreduce, then
//   optimizer->set_lr(schedule.LrAt(step)); optimizer->set_step_loss(loss);
//   optimizer->Step();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/module.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::optim {

// Something worth a metrics line ({"kind":"event", "event": name, "step": step, ...}).
struct OptimizerEvent {
  std::string name;    // e.g. "mkor_h_switch"
  int64_t step = 0;    // optimizer step at which it happened
  std::string detail;  // human-readable
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<core::Parameter> params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;

  virtual absl::Status Step() = 0;
  virtual std::string name() const = 0;
  void ZeroGrad();

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  int64_t step_count() const { return step_count_; }
  const std::vector<core::Parameter>& params() const { return params_; }

  // This rank's mean training loss of the step about to be taken. Only
  // loss-driven optimizers (MKOR-H) use it; they average it across ranks.
  virtual void set_step_loss(double /*loss*/) {}
  // Events since the last call (e.g. the MKOR-H switch), oldest first.
  std::vector<OptimizerEvent> TakeEvents() { return std::move(events_); }

  virtual void SaveState(proto::StateProto* state) const;
  virtual absl::Status LoadState(const proto::StateProto& state);

 protected:
  // OK when every gradient is finite; else InvalidArgument naming the first bad parameter.
  absl::Status CheckFiniteGradients() const;

  std::vector<core::Parameter> params_;
  float lr_ = 0.0f;
  int64_t step_count_ = 0;
  std::vector<OptimizerEvent> events_;
};

}  // namespace syncline::optim
