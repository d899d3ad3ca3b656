// Small helpers for federated unit tests.
#pragma once

#include <string>
#include <vector>

#include "federated/weights.h"

namespace syncline::federated::testing {

// One tensor "w" holding `v`.
inline Weights Vec(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  Weights w;
  w.push_back({"w", core::Tensor({n}, std::move(v))});
  return w;
}

inline double At(const Weights& w, int i) { return w[0].value[i]; }

}  // namespace syncline::federated::testing
