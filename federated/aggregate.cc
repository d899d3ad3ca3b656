#include "federated/aggregate.h"

#include <algorithm>
#include <cmath>

namespace syncline::federated {

absl::StatusOr<Weighting> ParseWeighting(const std::string& name) {
  if (name == "num_examples") return Weighting::kNumExamples;
  if (name == "uniform") return Weighting::kUniform;
  return absl::InvalidArgumentError("federated.weighting: unknown '" + name +
                                    "' (num_examples | uniform)");
}

std::optional<Weights> Aggregate(const std::vector<ClientUpdate>& updates, Weighting weighting) {
  std::vector<const ClientUpdate*> order;
  for (const auto& u : updates) {
    if (u.num_examples > 0) order.push_back(&u);
  }
  if (order.empty()) return std::nullopt;
  std::sort(order.begin(), order.end(),
            [](const ClientUpdate* a, const ClientUpdate* b) { return a->client_id < b->client_id; });
  double total = 0;
  for (const ClientUpdate* u : order) total += static_cast<double>(u->num_examples);
  std::vector<double> p;
  for (const ClientUpdate* u : order) {
    p.push_back(weighting == Weighting::kUniform ? 1.0 / order.size()
                                                 : static_cast<double>(u->num_examples) / total);
  }
  const Weights& first = order[0]->delta;
  Weights out = ZerosLike(first);
  std::vector<double> acc;
  for (size_t t = 0; t < first.size(); ++t) {
    const int64_t n = first[t].value.numel();
    acc.assign(n, 0.0);
    for (size_t m = 0; m < order.size(); ++m) {
      const float* src = order[m]->delta[t].value.data();
      for (int64_t k = 0; k < n; ++k) acc[k] += p[m] * static_cast<double>(src[k]);
    }
    float* dst = out[t].value.data();
    for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<float>(acc[k]);
  }
  if (!AllFinite(out)) return std::nullopt;
  return out;
}

std::optional<double> WeightedMetric(const std::vector<ClientUpdate>& updates,
                                     const std::string& key) {
  double sum = 0, weight = 0;
  for (const auto& u : updates) {
    auto it = u.metrics.find(key);
    if (it == u.metrics.end() || u.num_examples <= 0 || !std::isfinite(it->second)) continue;
    sum += it->second * static_cast<double>(u.num_examples);
    weight += static_cast<double>(u.num_examples);
  }
  if (weight == 0) return std::nullopt;
  return sum / weight;
}

}  // namespace syncline::federated
