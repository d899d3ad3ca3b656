// `syncline sweep --config S.textproto [--out DIR] [--jobs J] [--dry-run]`:
// expands a sweep file into runs, launches them (resumably), and leaves
// results.csv, results.md and plots/ in the output folder.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "launch/subcommands.h"
#include "launch/sweep_launcher.h"
#include "launch/sweep_plan.h"
#include "launch/sweep_plots.h"

namespace syncline::launch {

struct SweepOutcome {
  LaunchSummary launch;
  PlotFiles plots;
};

// Reads every run's outcome under `out_dir` and writes results.csv,
// results.md and the plots (also for a partly finished sweep).
absl::StatusOr<PlotFiles> WriteSweepResults(const SweepPlan& plan, const std::string& out_dir);

// LaunchRuns, then WriteSweepResults. Results are written even when the
// sweep was cancelled, so the table shows what finished.
absl::StatusOr<SweepOutcome> RunSweep(const SweepPlan& plan, const LaunchOptions& options);

// The subcommand. Exit code: 0 all runs ok, 1 some run failed, 2 bad
// arguments or sweep file (nothing was run), 130 interrupted.
int SweepCommand(const Args& args);

}  // namespace syncline::launch
