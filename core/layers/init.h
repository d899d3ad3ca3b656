// Deterministic PyTorch-style parameter initialisation.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/random.h"
#include "core/tensor.h"

namespace syncline::core {

// Fills t with U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for
// Linear/Conv2d weights (kaiming_uniform_ with a = sqrt(5)) and biases.
inline void KaimingUniform(int64_t fan_in, SplitMix64* rng, Tensor* t) {
  const float bound = fan_in > 0 ? 1.0f / std::sqrt(static_cast<float>(fan_in)) : 0.0f;
  for (int64_t i = 0; i < t->numel(); ++i) (*t)[i] = rng->Uniform(-bound, bound);
}

}  // namespace syncline::core
