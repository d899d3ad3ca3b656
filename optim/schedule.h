// Learning-rate schedules (specs/lamb.md section 5) and batch-size scaling
// rules (section 6).
//
// Steps: LrAt(step) takes the 0-based index of the step about to run (the
// number of optimizer steps already taken); the spec's 1-based t is step + 1.
// W = warmup_steps, or warmup_fraction * total_steps when warmup_steps is 0
// (kept fractional, as nvidia_pt needs). T = total_steps.
//   t < W:  lr = base * t / W                        (all decays)
//   t >= W: constant     base
//           step         base * step_gamma ^ floor((t - W) / step_size)
//           cosine       min + (base - min) * (1 + cos(pi (t - W)/(T - W))) / 2
//           polynomial   min + (base - min) * ((T - t)/(T - W)) ^ power   (continuous)
//           google_bert  base * (1 - t/T) ^ power                         (drops at W)
//           nvidia_pt    base * (1 - t/T) ^ 0.5
//   t >= T: cosine/polynomial give min_lr, google_bert/nvidia_pt give 0.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim {

// Lists every problem with the schedule fields, naming them ("schedule.decay").
absl::Status ValidateScheduleConfig(const proto::ScheduleConfig& config);

class LrSchedule {
 public:
  // The config must pass ValidateScheduleConfig (checked; an invalid one aborts).
  LrSchedule(const proto::ScheduleConfig& config, float base_lr, int64_t total_steps);

  float LrAt(int64_t step) const { return LrAtOneBased(step + 1); }
  // The spec's form: t is the 1-based step.
  float LrAtOneBased(int64_t t) const;
  double warmup_steps() const { return warmup_; }

 private:
  float Decay(double t) const;

  proto::ScheduleConfig config_;
  double base_;
  double total_;
  double warmup_;
};

// Batch-size scaling (optimizer.lr_scaling): returns the base learning rate
// for `global_batch` from optimizer.lr, which is the value at
// optimizer.lr_reference_batch. linear: lr * B/B_ref; sqrt: lr * sqrt(B/B_ref);
// auto: linear for sgd, lars and MKOR over SGD, sqrt for adamw, lamb and MKOR
// over LAMB; none: lr unchanged.
absl::StatusOr<float> ScaledBaseLr(const proto::OptimizerConfig& config, int64_t global_batch);

}  // namespace syncline::optim
