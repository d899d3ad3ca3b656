// Reads one run's metrics JSON lines (format in CONTRACTS.md: "kind" is
// "train", "eval" or "final", or "round" from a federated server; other kinds
// are ignored) into curves and final numbers for the results table and plots.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace syncline::launch {

struct CurvePoint {
  double step = 0;
  double time_s = 0;
  double value = 0;
};

struct RunMetrics {
  static constexpr double kMissing = NAN;
  std::vector<CurvePoint> train_loss;     // "train" lines
  std::vector<CurvePoint> test_accuracy;  // "eval" lines (or "round" lines, step = round), 0..1
  int rounds = 0;                         // "round" lines seen
  std::vector<CurvePoint> test_loss;      // "eval" lines
  // From the "final" line (else from the last "round" line); NaN where it (or
  // the key) is missing.
  bool has_final = false;
  double step = kMissing;
  double final_accuracy = kMissing;
  double final_test_loss = kMissing;
  double time_s = kMissing;
  double samples_per_sec = kMissing;
  double bytes_sent = kMissing;
  double last_train_loss = kMissing;  // loss of the last "train" line
  // time_s of the first eval (or final) line whose test_accuracy reached the
  // target; NaN when none did or no target was given.
  double time_to_target_s = kMissing;
};

// Parses `path`. A missing file gives empty metrics; a line that is not a
// JSON object is an error naming the file and line, except a torn last line.
absl::StatusOr<RunMetrics> ReadRunMetrics(const std::string& path, double target_accuracy);

}  // namespace syncline::launch
