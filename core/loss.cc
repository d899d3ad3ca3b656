#include "core/loss.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace syncline::core {

float SoftmaxCrossEntropy(const Tensor& logits, const std::vector<int32_t>& labels,
                          Tensor* dlogits) {
  SYNCLINE_CHECK_EQ(logits.ndim(), 2) << logits.ShapeString();
  const int64_t n = logits.dim(0), c = logits.dim(1);
  SYNCLINE_CHECK_EQ(static_cast<int64_t>(labels.size()), n);
  if (dlogits != nullptr) dlogits->Resize(logits.shape());
  if (n == 0) return 0.0f;
  const float inv_n = 1.0f / static_cast<float>(n);
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) {
    const float* z = logits.data() + r * c;
    const int32_t label = labels[r];
    SYNCLINE_CHECK(label >= 0 && label < c) << "label " << label << " for " << c << " classes";
    const float max = *std::max_element(z, z + c);
    double sum = 0.0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(static_cast<double>(z[j] - max));
    const double log_sum = std::log(sum);
    total += log_sum - static_cast<double>(z[label] - max);
    if (dlogits != nullptr) {
      float* d = dlogits->data() + r * c;
      for (int64_t j = 0; j < c; ++j) {
        d[j] = static_cast<float>(std::exp(static_cast<double>(z[j] - max) - log_sum)) * inv_n;
      }
      d[label] -= inv_n;
    }
  }
  return static_cast<float>(total / static_cast<double>(n));
}

int64_t CountCorrect(const Tensor& logits, const std::vector<int32_t>& labels) {
  SYNCLINE_CHECK_EQ(logits.ndim(), 2) << logits.ShapeString();
  const int64_t n = logits.dim(0), c = logits.dim(1);
  SYNCLINE_CHECK_EQ(static_cast<int64_t>(labels.size()), n);
  int64_t correct = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* z = logits.data() + r * c;
    if (std::max_element(z, z + c) - z == labels[r]) ++correct;
  }
  return correct;
}

}  // namespace syncline::core
