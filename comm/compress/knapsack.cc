#include "comm/compress/knapsack.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace syncline::comm::compress {
namespace {

constexpr int64_t kInf = std::numeric_limits<int64_t>::max();

KnapsackResult KeepCurrent() {
  KnapsackResult r;
  r.keep_current = true;
  return r;
}

}  // namespace

KnapsackResult SolveKnapsack(const std::vector<std::vector<double>>& errors,
                             const std::vector<std::vector<int64_t>>& sizes,
                             const std::vector<int>& uniform, double alpha, int64_t dp_buckets,
                             Rounding rounding) {
  const size_t layers = errors.size();
  SYNCLINE_CHECK_EQ(sizes.size(), layers);
  SYNCLINE_CHECK_EQ(uniform.size(), layers);
  SYNCLINE_CHECK_GT(dp_buckets, 0);
  if (layers == 0) return KeepCurrent();

  double budget = 0.0;
  int64_t uniform_size = 0;
  for (size_t l = 0; l < layers; ++l) {
    SYNCLINE_CHECK_EQ(errors[l].size(), sizes[l].size());
    budget += errors[l][uniform[l]];
    uniform_size += sizes[l][uniform[l]];
  }
  budget *= alpha;
  if (!std::isfinite(budget) || budget <= 0.0) return KeepCurrent();
  const double delta = budget / static_cast<double>(dp_buckets);

  // Units per candidate; -1 marks an infeasible candidate.
  std::vector<std::vector<int64_t>> units(layers);
  int64_t capacity = 0;
  for (size_t l = 0; l < layers; ++l) {
    units[l].resize(errors[l].size());
    for (size_t c = 0; c < errors[l].size(); ++c) {
      const double e = errors[l][c];
      if (!std::isfinite(e) || e < 0.0) {
        units[l][c] = -1;
        continue;
      }
      // Clamp the quotient before converting so huge errors cannot overflow int64.
      const double q = std::min(std::ceil(e / delta), 4.0 * static_cast<double>(dp_buckets) + 1.0);
      int64_t u = std::max<int64_t>(1, static_cast<int64_t>(q));
      if (rounding == Rounding::kFixed) {
        if (e > budget) u = -1;
      } else {
        u = std::min(u, dp_buckets);
      }
      units[l][c] = u;
    }
    if (rounding == Rounding::kFixed) {
      if (units[l][uniform[l]] < 0) return KeepCurrent();
      capacity += units[l][uniform[l]];
    }
  }
  if (rounding == Rounding::kReference) capacity = dp_buckets - 1;  // total must be < D

  // Two rows of V plus parent[l][b].
  std::vector<int64_t> prev(capacity + 1, 0), cur(capacity + 1);
  std::vector<std::vector<int16_t>> parent(layers, std::vector<int16_t>(capacity + 1, -1));
  for (size_t l = 0; l < layers; ++l) {
    for (int64_t b = 0; b <= capacity; ++b) {
      int64_t best = kInf;
      int best_c = -1;
      for (size_t c = 0; c < units[l].size(); ++c) {
        const int64_t u = units[l][c];
        if (u < 0 || u > b || prev[b - u] == kInf) continue;
        const int64_t value = prev[b - u] + sizes[l][c];
        // Ties: the smaller unit count, then the lower index (c increases).
        if (value < best || (value == best && u < units[l][best_c])) {
          best = value;
          best_c = static_cast<int>(c);
        }
      }
      cur[b] = best;
      parent[l][b] = static_cast<int16_t>(best_c);
    }
    std::swap(prev, cur);
  }
  const int64_t best = prev[capacity];
  if (best == kInf) return KeepCurrent();
  int64_t b = capacity;
  while (b > 0 && prev[b - 1] == best) --b;  // least error among the cheapest

  KnapsackResult result;
  result.choice.assign(layers, 0);
  for (size_t l = layers; l-- > 0;) {
    const int c = parent[l][b];
    SYNCLINE_CHECK_GE(c, 0);
    result.choice[l] = c;
    b -= units[l][c];
  }
  if (rounding == Rounding::kFixed && best >= uniform_size) result.choice = uniform;
  for (size_t l = 0; l < layers; ++l) {
    result.total_size += sizes[l][result.choice[l]];
    result.total_error += errors[l][result.choice[l]];
  }
  return result;
}

}  // namespace syncline::comm::compress
