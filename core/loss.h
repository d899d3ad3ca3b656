#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace syncline::core {

// Mean softmax cross-entropy of logits [N, C] against labels (N values in
// [0, C)). Writes dL/dlogits into *dlogits (resized to [N, C]) when non-null.
// Numerically stable (max-subtracted log-sum-exp).
float SoftmaxCrossEntropy(const Tensor& logits, const std::vector<int32_t>& labels,
                          Tensor* dlogits);

// Number of rows whose arg-max equals the label.
int64_t CountCorrect(const Tensor& logits, const std::vector<int32_t>& labels);

}  // namespace syncline::core
