// Runs a sweep's runs as child processes, up to `jobs` at once, skipping runs
// finished earlier and recording each run's outcome (see sweep_record.h).
// A failed run is recorded and the sweep goes on.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "launch/sweep_plan.h"
#include "launch/sweep_progress.h"
#include "launch/sweep_record.h"

namespace syncline::launch {

struct LaunchOptions {
  std::string out_dir;  // made absolute by LaunchRuns
  int jobs = 1;
  // Cores the runs are counted against (0 = this machine's); runs start only
  // while the cores in flight (RunCores) fit, except that one run always may.
  // Ignored when the sweep names a hostfile.
  int cores = 0;
  // The syncline binary for the default trainer ("" = this executable).
  std::string self_exe;
  // Set (e.g. by SIGINT) to stop: running runs are killed and left unfinished,
  // so a re-launch runs them again.
  const std::atomic<bool>* cancel = nullptr;
  ProgressView* progress = nullptr;  // optional
};

struct LaunchSummary {
  int launched = 0, skipped = 0, succeeded = 0, failed = 0;
  bool cancelled = false;
};

// The command line of one run (mpirun prefix when its world size is > 1).
std::vector<std::string> RunCommand(const SweepPlan& plan, const SweepRun& run,
                                    const RunPaths& paths, const LaunchOptions& options);

// The config file a run trains with: its resolved config, with the metrics
// path, progress bar and any checkpoint folder pointed into its run folder.
std::string RunConfigText(const SweepRun& run, const RunPaths& paths);

// Identifies what a run computes (config and world size), not where it lives.
std::string RunFingerprint(const SweepRun& run);

absl::StatusOr<LaunchSummary> LaunchRuns(const SweepPlan& plan, LaunchOptions options);

// Cores one run occupies: ranks x train.threads (threads 0 means all cores).
int RunCores(const SweepRun& run, int cores);

// Cores this process may use (sched_getaffinity), at least 1.
int AvailableCores();

}  // namespace syncline::launch
