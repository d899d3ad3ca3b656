// MKOR-H switch rule (specs/mkor.md section 6, this project's design): a knee
// detector that compares the recent slope of the smoothed training loss with
// its average slope since MKOR started.
//   lbar_t = rho lbar_{t-1} + (1 - rho) l_t       (lbar_0 = l_0)
//   force_step > 0 and t >= force_step            -> switch
//   t mod c == 0 and t >= max(min_steps, W):
//     recent = (lbar_{t-W} - lbar_t)/W,  phase = (lbar_0 - lbar_t)/t
//     hits = recent < ratio * max(phase, 0) ? hits + 1 : 0
//     hits >= patience                           -> switch
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "syncline/checkpoint.pb.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim::mkor {

class SwitchDetector {
 public:
  explicit SwitchDetector(const proto::MkorHConfig& config);

  // Feeds the global mean loss of step t (t = 0, 1, 2, ... in order); true
  // when the rule says to switch at this step. After it returns true once,
  // switched() stays true and further calls return true.
  bool Observe(int64_t t, double loss);
  // Only the force_step part of the rule (for a step without a reported loss).
  bool CheckForce(int64_t t);
  bool switched() const { return switched_; }
  int64_t switch_step() const { return switch_step_; }

  void SaveState(const std::string& prefix, proto::StateProto* state) const;
  absl::Status LoadState(const proto::StateProto& state, const std::string& prefix);

 private:
  proto::MkorHConfig config_;
  std::vector<double> history_;  // lbar_{t-W} .. lbar_t, ring buffer of W + 1
  double first_ = 0.0;           // lbar_0
  double last_ = 0.0;            // lbar_t
  int64_t observed_ = 0;         // number of Observe calls
  int hits_ = 0;
  bool switched_ = false;
  int64_t switch_step_ = -1;
};

}  // namespace syncline::optim::mkor
