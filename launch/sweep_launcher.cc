#include "launch/sweep_launcher.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "launch/sweep_metrics.h"
#include "launch/sweep_process.h"

namespace syncline::launch {
namespace {

using Clock = std::chrono::steady_clock;

struct Active {
  const SweepRun* run;
  RunPaths paths;
  ChildProcess child;
  Clock::time_point start;
};

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Clears what an earlier attempt left and writes the config and command.
absl::Status PrepareRunDir(const SweepRun& run, const RunPaths& paths,
                           const std::vector<std::string>& command) {
  std::error_code error;
  std::filesystem::create_directories(paths.dir, error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", paths.dir, ": ", error.message()));
  for (const std::string* file : {&paths.done, &paths.status, &paths.metrics, &paths.stdout_log,
                                  &paths.stderr_log}) {
    std::filesystem::remove(*file, error);
  }
  if (absl::Status s = WriteFileAtomic(paths.config, RunConfigText(run, paths)); !s.ok()) return s;
  return WriteFileAtomic(paths.command, absl::StrJoin(command, " ") + "\n");
}

RunRecord Failure(const RunPaths& paths, const std::string& reason, ExitInfo exit, double seconds,
                  int tail_lines) {
  RunRecord record;
  record.state = RunState::kFailed;
  record.reason = reason;
  record.exit = exit;
  record.seconds = seconds;
  record.log_tail = TailOfFile(paths.stderr_log, tail_lines);
  if (record.log_tail.empty()) record.log_tail = TailOfFile(paths.stdout_log, tail_lines);
  return record;
}

// Records how a run ended; success needs exit 0 and a "final" metrics line.
RunRecord Conclude(const SweepPlan& plan, const Active& a, ExitInfo exit, double seconds) {
  const int tail = plan.sweep.log_tail_lines();
  if (!exit.ok()) return Failure(a.paths, exit.ToString(), exit, seconds, tail);
  absl::StatusOr<RunMetrics> metrics = ReadRunMetrics(a.paths.metrics, 0);
  if (!metrics.ok()) return Failure(a.paths, std::string(metrics.status().message()), exit, seconds, tail);
  if (!metrics->has_final) {
    return Failure(a.paths, "exited 0 but wrote no \"final\" metrics line", exit, seconds, tail);
  }
  RunRecord record;
  record.state = RunState::kSucceeded;
  record.seconds = seconds;
  return record;
}

class Scheduler {
 public:
  Scheduler(const SweepPlan& plan, const LaunchOptions& options)
      : plan_(plan), options_(options) {
    capacity_ = plan.sweep.mpi().hostfile().empty() ? options.cores : 1 << 30;
  }

  LaunchSummary Run() {
    for (const SweepRun& run : plan_.runs) {
      if (IsDone(RunPaths::For(options_.out_dir, run.id), RunFingerprint(run))) {
        ++summary_.skipped;
        if (options_.progress) options_.progress->Skipped(plan_.RunName(run));
      } else {
        pending_.push_back(&run);
      }
    }
    while (!pending_.empty() || !active_.empty()) {
      if (options_.cancel && options_.cancel->load()) return Cancel();
      StartWhatFits();
      Reap();
      if (options_.progress) options_.progress->Tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(active_.empty() ? 0 : 100));
    }
    return summary_;
  }

 private:
  int CoresInFlight() const {
    int cores = 0;
    for (const Active& a : active_) cores += RunCores(*a.run, options_.cores);
    return cores;
  }

  // First-fit in sweep order: a big run waiting for cores does not block small ones.
  void StartWhatFits() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (static_cast<int>(active_.size()) >= options_.jobs) return;
      const SweepRun* run = *it;
      if (!active_.empty() && CoresInFlight() + RunCores(*run, options_.cores) > capacity_) {
        ++it;
        continue;
      }
      it = pending_.erase(it);
      Start(*run);
    }
  }

  void Start(const SweepRun& run) {
    RunPaths paths = RunPaths::For(options_.out_dir, run.id);
    std::vector<std::string> command = RunCommand(plan_, run, paths, options_);
    ++summary_.launched;
    if (options_.progress) options_.progress->Started(plan_.RunName(run));
    absl::Status status = PrepareRunDir(run, paths, command);
    absl::StatusOr<ChildProcess> child = absl::UnknownError("");
    if (status.ok()) child = ChildProcess::Start(command, paths.stdout_log, paths.stderr_log);
    if (!status.ok() || !child.ok()) {
      std::string why(status.ok() ? child.status().message() : status.message());
      Record(run, paths, Failure(paths, why, ExitInfo{127, 0}, 0, plan_.sweep.log_tail_lines()));
      return;
    }
    active_.push_back(Active{&run, paths, std::move(*child), Clock::now()});
  }

  void Reap() {
    const double limit = plan_.sweep.run_timeout_s();
    for (auto it = active_.begin(); it != active_.end();) {
      ExitInfo exit;
      std::optional<RunRecord> record;
      if (it->child.Poll(&exit)) {
        record = Conclude(plan_, *it, exit, Since(it->start));
      } else if (limit > 0 && Since(it->start) > limit) {
        exit = it->child.Kill();
        record = Failure(it->paths, absl::StrFormat("timed out after %.0f s (run_timeout_s)", limit),
                         exit, Since(it->start), plan_.sweep.log_tail_lines());
      }
      if (!record) {
        ++it;
        continue;
      }
      Record(*it->run, it->paths, *record);
      it = active_.erase(it);
    }
  }

  void Record(const SweepRun& run, const RunPaths& paths, const RunRecord& record) {
    bool ok = record.state == RunState::kSucceeded;
    absl::Status written = WriteRunRecord(paths, record);
    if (written.ok() && ok) written = MarkDone(paths, RunFingerprint(run));
    if (!written.ok()) {
      std::fprintf(stderr, "[sweep] %s\n", std::string(written.message()).c_str());
      ok = false;
    }
    ok ? ++summary_.succeeded : ++summary_.failed;
    if (options_.progress) {
      options_.progress->Finished(plan_.RunName(run), ok, record.seconds, ok ? "" : record.reason);
    }
  }

  LaunchSummary Cancel() {
    for (Active& a : active_) a.child.Kill();
    active_.clear();
    summary_.cancelled = true;
    return summary_;
  }

  const SweepPlan& plan_;
  const LaunchOptions& options_;
  int capacity_;
  std::deque<const SweepRun*> pending_;
  std::vector<Active> active_;
  LaunchSummary summary_;
};

}  // namespace

std::string RunConfigText(const SweepRun& run, const RunPaths& paths) {
  proto::ExperimentConfig config = run.config;
  config.mutable_logging()->set_metrics_path(paths.metrics);
  config.mutable_logging()->set_progress("off");
  if (!config.checkpoint().dir().empty()) config.mutable_checkpoint()->set_dir(paths.dir + "/checkpoints");
  std::string text;
  google::protobuf::TextFormat::PrintToString(config, &text);
  return absl::StrCat("# Resolved config of sweep run ", run.id, " (world size ", run.world_size,
                      ").\n", text);
}

std::string RunFingerprint(const SweepRun& run) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(run.config, &text);
  return Fingerprint(absl::StrCat("world_size: ", run.world_size, "\n", text));
}

std::vector<std::string> RunCommand(const SweepPlan& plan, const SweepRun& run,
                                    const RunPaths& paths, const LaunchOptions& options) {
  std::vector<std::string> argv;
  if (run.world_size > 1) {
    const proto::MpiLaunchConfig& mpi = plan.sweep.mpi();
    argv = {mpi.mpirun(), "-np", absl::StrCat(run.world_size)};
    if (mpi.allow_run_as_root()) argv.push_back("--allow-run-as-root");
    const bool crowded = mpi.hostfile().empty() && run.world_size > options.cores;
    if (mpi.oversubscribe() == "always" || (mpi.oversubscribe() == "auto" && crowded)) {
      argv.push_back("--oversubscribe");
    }
    if (!mpi.hostfile().empty()) argv.insert(argv.end(), {"--hostfile", mpi.hostfile()});
    argv.insert(argv.end(), mpi.extra_args().begin(), mpi.extra_args().end());
  }
  if (plan.sweep.trainer().empty()) {
    argv.insert(argv.end(), {options.self_exe.empty() ? SelfExecutable() : options.self_exe, "train"});
  } else {
    argv.insert(argv.end(), plan.sweep.trainer().begin(), plan.sweep.trainer().end());
  }
  argv.insert(argv.end(), {"--config", paths.config, "--metrics", paths.metrics});
  return argv;
}

int RunCores(const SweepRun& run, int cores) {
  const int threads = run.config.train().threads();
  return run.world_size * (threads > 0 ? threads : std::max(1, cores));
}

int AvailableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

absl::StatusOr<LaunchSummary> LaunchRuns(const SweepPlan& plan, LaunchOptions options) {
  if (options.jobs < 1) return absl::InvalidArgumentError("--jobs must be >= 1");
  if (options.cores <= 0) options.cores = AvailableCores();
  std::error_code error;
  options.out_dir = std::filesystem::absolute(options.out_dir, error).lexically_normal().string();
  std::filesystem::create_directories(options.out_dir + "/runs", error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", options.out_dir, ": ", error.message()));
  // Two sweeps writing one folder would run the same runs twice.
  const std::string lock_path = options.out_dir + "/.sweep.lock";
  const int lock = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
    if (lock >= 0) close(lock);
    return absl::FailedPreconditionError(
        absl::StrCat("another sweep is running in ", options.out_dir, " (", lock_path, " is locked)"));
  }
  LaunchSummary summary = Scheduler(plan, options).Run();
  close(lock);  // releases the lock
  return summary;
}

}  // namespace syncline::launch
