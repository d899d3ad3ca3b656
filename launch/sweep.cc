#include "launch/sweep.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"

namespace syncline::launch {
namespace {

constexpr char kUsage[] =
    "usage: syncline sweep --config S.textproto [--out DIR] [--jobs J] [--dry-run]\n"
    "  --out DIR   output folder (default sweeps/<name>); re-using it resumes the sweep\n"
    "  --jobs J    runs at once (default 1); ranks in flight never exceed the cores\n"
    "  --dry-run   list the runs and their commands, run nothing\n";

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

struct Flags {
  std::string config, out;
  int jobs = 1;
  bool dry_run = false;
};

absl::StatusOr<Flags> ParseFlags(const Args& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(arg + " needs a value");
      return args[++i];
    };
    absl::StatusOr<std::string> v;
    if (arg == "--dry-run") {
      flags.dry_run = true;
      continue;
    }
    if (arg != "--config" && arg != "--out" && arg != "--jobs") {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag '", arg, "'"));
    }
    if (v = value(); !v.ok()) return v.status();
    if (arg == "--config") flags.config = *v;
    if (arg == "--out") flags.out = *v;
    if (arg == "--jobs" && (!absl::SimpleAtoi(*v, &flags.jobs) || flags.jobs < 1)) {
      return absl::InvalidArgumentError(absl::StrCat("--jobs must be a positive integer, got '", *v, "'"));
    }
  }
  if (flags.config.empty()) return absl::InvalidArgumentError("--config is required");
  return flags;
}

void PrintDryRun(const SweepPlan& plan, const LaunchOptions& options) {
  std::printf("%zu runs in %s:\n", plan.runs.size(), options.out_dir.c_str());
  for (const SweepRun& run : plan.runs) {
    RunPaths paths = RunPaths::For(options.out_dir, run.id);
    std::printf("  %s\n    %s\n", plan.RunName(run).c_str(),
                absl::StrJoin(RunCommand(plan, run, paths, options), " ").c_str());
  }
}

}  // namespace

absl::StatusOr<PlotFiles> WriteSweepResults(const SweepPlan& plan, const std::string& out_dir) {
  std::vector<RunResult> results = CollectResults(plan, out_dir);
  absl::StatusOr<PlotFiles> plots = WritePlots(out_dir, plan, results);
  if (!plots.ok()) return plots.status();
  if (absl::Status s = WriteResultsCsv(out_dir + "/results.csv", plan, results); !s.ok()) return s;
  // PNGs show inline in more viewers; fall back to the SVGs without a converter.
  const std::vector<std::string>& images = plots->png.size() == plots->svg.size() ? plots->png : plots->svg;
  if (absl::Status s = WriteResultsMarkdown(out_dir + "/results.md", plan, results, images); !s.ok()) {
    return s;
  }
  return plots;
}

absl::StatusOr<SweepOutcome> RunSweep(const SweepPlan& plan, const LaunchOptions& options) {
  SweepOutcome outcome;
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  std::string sweep_text;  // the expanded sweep file, base_config merged in
  google::protobuf::TextFormat::PrintToString(plan.sweep, &sweep_text);
  if (absl::Status s = WriteFileAtomic(options.out_dir + "/sweep.textproto", sweep_text); !s.ok()) return s;
  absl::StatusOr<LaunchSummary> launch = LaunchRuns(plan, options);
  if (!launch.ok()) return launch.status();
  outcome.launch = *launch;
  absl::StatusOr<PlotFiles> plots = WriteSweepResults(plan, options.out_dir);
  if (!plots.ok()) return plots.status();
  outcome.plots = *plots;
  return outcome;
}

int SweepCommand(const Args& args) {
  absl::StatusOr<Flags> flags = ParseFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "syncline sweep: %s\n%s", std::string(flags.status().message()).c_str(), kUsage);
    return 2;
  }
  absl::StatusOr<SweepPlan> plan = LoadSweepPlan(flags->config);
  if (!plan.ok()) {
    std::fprintf(stderr, "syncline sweep: %s\n", std::string(plan.status().message()).c_str());
    return 2;
  }
  LaunchOptions options;
  options.out_dir = flags->out.empty() ? absl::StrCat("sweeps/", plan->sweep.name()) : flags->out;
  options.jobs = flags->jobs;
  options.cores = AvailableCores();
  if (flags->dry_run) {
    PrintDryRun(*plan, options);
    return 0;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  ProgressView progress(stderr, isatty(fileno(stderr)) != 0, static_cast<int>(plan->runs.size()),
                        options.jobs);
  options.cancel = &g_stop;
  options.progress = &progress;
  absl::StatusOr<SweepOutcome> outcome = RunSweep(*plan, options);
  progress.Close();
  if (!outcome.ok()) {
    std::fprintf(stderr, "syncline sweep: %s\n", std::string(outcome.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "[sweep] results: %s/results.md, %s/results.csv, plots in %s/plots/\n",
               options.out_dir.c_str(), options.out_dir.c_str(), options.out_dir.c_str());
  if (outcome->launch.cancelled) {
    std::fprintf(stderr, "[sweep] interrupted: run the same command again to finish the sweep\n");
    return 130;
  }
  return outcome->launch.failed > 0 ? 1 : 0;
}

}  // namespace syncline::launch
