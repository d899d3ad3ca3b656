// Dropout (inverted): in training, each element is kept with probability
// 1 - p and scaled by 1/(1 - p); in eval mode it is the identity.
// The keep decision for element i is a pure function of
// (seed, rng counter, i) (a counter-based hash, see core/random.h), so a run
// resumed from a checkpoint that stored Model::rng_counter() draws exactly the
// same masks. Model::Forward advances the counter once per training Forward.
#pragma once

#include <cstdint>

#include "core/module.h"

namespace syncline::core {

class Dropout : public Module {
 public:
  Dropout(float p, uint64_t seed);

  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;
  void SetRngCounter(uint64_t counter) override { counter_ = counter; }
  uint64_t rng_counter() const { return counter_; }

 private:
  float p_;
  uint64_t seed_;
  uint64_t counter_ = 0;
  bool active_ = false;  // whether the last Forward dropped anything
  Tensor scale_;         // per-element 0 or 1/(1-p) of the last Forward
};

}  // namespace syncline::core
