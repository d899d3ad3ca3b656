// Which parameters LAMB and LARS exclude from weight decay and layer
// adaptation (specs/lamb.md section 2): every parameter with ndim <= 1 when
// exclude_1d is set, plus names matching any of the regexes (searched, so
// "bias" matches "fc1.bias").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/module.h"

namespace syncline::optim {

// One flag per parameter; an invalid regex is InvalidArgument naming `field`.
absl::StatusOr<std::vector<bool>> ExclusionMask(const std::vector<core::Parameter>& params,
                                                bool exclude_1d,
                                                const std::vector<std::string>& regexes,
                                                const std::string& field);

// Euclidean norm, accumulated in double.
double Norm(const float* x, int64_t n);
double SquaredNorm(const float* x, int64_t n);

}  // namespace syncline::optim
