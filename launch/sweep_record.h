// On-disk state of one sweep run. Layout of <out>/runs/<run id>/:
//   config.textproto  the resolved ExperimentConfig the run trained with
//   command.txt       the command line that started it
//   stdout.log, stderr.log, metrics.jsonl
//   status.json       written when the run ends: state, exit status, seconds, log tail
//   DONE              written last, only after success; holds the run's fingerprint
// A run whose DONE matches its current fingerprint (config + command) is
// finished and is skipped on re-launch; anything else runs again.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "launch/sweep_process.h"

namespace syncline::launch {

struct RunPaths {
  std::string dir, config, command, stdout_log, stderr_log, metrics, status, done;
  static RunPaths For(const std::string& out_dir, const std::string& run_id);
};

enum class RunState { kPending, kSucceeded, kFailed };
const char* RunStateName(RunState state);  // "pending", "ok", "failed"

struct RunRecord {
  RunState state = RunState::kPending;
  ExitInfo exit;
  double seconds = 0;
  std::string reason;    // why a run failed, one line ("exit code 3", "no final metrics line")
  std::string log_tail;  // last lines of stderr (or stdout when stderr is empty)
};

// status.json, written atomically (temp file + rename).
absl::Status WriteRunRecord(const RunPaths& paths, const RunRecord& record);
// Pending when the run never ended (no status.json).
RunRecord ReadRunRecord(const RunPaths& paths);

// Stable 64-bit hash (FNV-1a) as 16 hex digits.
std::string Fingerprint(const std::string& text);
bool IsDone(const RunPaths& paths, const std::string& fingerprint);
absl::Status MarkDone(const RunPaths& paths, const std::string& fingerprint);

// The last `lines` lines of the file (all of it when shorter); "" when missing.
std::string TailOfFile(const std::string& path, int lines);

// Writes `text` to `path` atomically (temp file + rename).
absl::Status WriteFileAtomic(const std::string& path, const std::string& text);
absl::StatusOr<std::string> ReadFile(const std::string& path);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& text);

}  // namespace syncline::launch
