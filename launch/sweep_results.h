// Sweep results: every run's record and metrics read back from disk, written
// as results.csv (one row per run) and results.md (settings with mean ± std
// over seeds, every run, failures with their log tails, and the plots).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "launch/sweep_metrics.h"
#include "launch/sweep_plan.h"
#include "launch/sweep_record.h"

namespace syncline::launch {

struct RunResult {
  const SweepRun* run = nullptr;  // points into the plan
  RunRecord record;
  RunMetrics metrics;
  std::string metrics_error;  // set when metrics.jsonl could not be read
};

// Reads every run's status.json and metrics.jsonl under `out_dir`.
std::vector<RunResult> CollectResults(const SweepPlan& plan, const std::string& out_dir);

// Mean and sample standard deviation of the finite values (NaN when none;
// std 0 for one value).
struct MeanStd {
  double mean = NAN, std = NAN;
  int count = 0;
};
MeanStd Summarize(const std::vector<double>& values);

absl::Status WriteResultsCsv(const std::string& path, const SweepPlan& plan,
                             const std::vector<RunResult>& results);

// `plots` are paths relative to the folder of `path`, embedded as images.
absl::Status WriteResultsMarkdown(const std::string& path, const SweepPlan& plan,
                                  const std::vector<RunResult>& results,
                                  const std::vector<std::string>& plots);

}  // namespace syncline::launch
