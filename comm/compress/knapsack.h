// The L-GreCo multiple-choice knapsack (specs/lgreco.md section 5): pick one
// candidate per layer minimising total bytes subject to total error <= alpha
// x the uniform setting's total error, by a dynamic program over errors
// discretised into D units.
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::comm::compress {

enum class Rounding {
  // This project's rule: budget U = sum of the uniform setting's units, so
  // the uniform choice is always feasible and the result is never larger.
  kFixed,
  // The reference code's rule: units clamped to [1, D], total < D.
  kReference,
};

struct KnapsackResult {
  // True when the solve was skipped (non-finite or zero budget, infeasible
  // uniform, infeasible DP): the caller keeps its current choice.
  bool keep_current = false;
  std::vector<int> choice;  // candidate index per layer
  int64_t total_size = 0;
  double total_error = 0.0;
};

// errors[l][c] (>= 0, may be non-finite = infeasible), sizes[l][c] in bytes,
// uniform[l] = index of the base setting in layer l's candidates, dp_buckets = D.
KnapsackResult SolveKnapsack(const std::vector<std::vector<double>>& errors,
                             const std::vector<std::vector<int64_t>>& sizes,
                             const std::vector<int>& uniform, double alpha, int64_t dp_buckets,
                             Rounding rounding);

}  // namespace syncline::comm::compress
