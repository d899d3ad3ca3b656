// FedHyper-CL client-side local learning-rate controller (fedhyper.md section 3):
// the reference's multiplicative rule, reset every round.
#pragma once

#include "federated/weights.h"

namespace syncline::federated {

struct ClOptions {
  double growth_cap = 1.1;
  double coupling = 0.1;    // c_g, divided by the number of sampled clients S
  bool skip_first_batch = true;
  double beta_min = 0.1;
  double beta_max = 10.0;
  int num_sampled = 1;      // S
};

class ClController {
 public:
  // delta_prev: Delta_{t-1} in the model's layout (zeros in round 0).
  ClController(const ClOptions& options, Weights delta_prev);
  // Multiplier for the next step's lr (eta = eta0 * beta).
  double beta() const { return beta_; }
  void StartEpoch() { first_ = true; }
  // u = params after the step - params before it.
  void AfterStep(const Weights& u);

 private:
  ClOptions o_;
  Weights delta_prev_;
  Weights u_prev_;
  double beta_ = 1.0;
  bool first_ = true;
};

}  // namespace syncline::federated
