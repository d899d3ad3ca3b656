#include "launch/sweep_results.h"

#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace syncline::launch {
namespace {

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvNumber(double v) { return std::isfinite(v) ? absl::StrFormat("%.6g", v) : ""; }

}  // namespace

std::vector<RunResult> CollectResults(const SweepPlan& plan, const std::string& out_dir) {
  std::vector<RunResult> results;
  for (const SweepRun& run : plan.runs) {
    RunResult r;
    r.run = &run;
    RunPaths paths = RunPaths::For(out_dir, run.id);
    r.record = ReadRunRecord(paths);
    absl::StatusOr<RunMetrics> metrics =
        ReadRunMetrics(paths.metrics, plan.sweep.target_accuracy());
    if (metrics.ok()) {
      r.metrics = std::move(*metrics);
    } else {
      r.metrics_error = std::string(metrics.status().message());
    }
    results.push_back(std::move(r));
  }
  return results;
}

MeanStd Summarize(const std::vector<double>& values) {
  MeanStd s;
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) sum += v, ++s.count;
  }
  if (s.count == 0) return s;
  s.mean = sum / s.count;
  double squares = 0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  }
  s.std = s.count > 1 ? std::sqrt(squares / (s.count - 1)) : 0;
  return s;
}

absl::Status WriteResultsCsv(const std::string& path, const SweepPlan& plan,
                             const std::vector<RunResult>& results) {
  std::vector<std::string> header = {"run", "status"};
  for (const std::string& label : plan.labels) header.push_back(CsvField(label));
  for (const char* name : {"world_size", "final_step", "test_accuracy", "test_loss", "train_loss",
                           "time_s", "samples_per_sec", "bytes_sent", "time_to_target_s",
                           "exit_code", "signal"}) {
    header.push_back(name);
  }
  std::string text = absl::StrJoin(header, ",") + "\n";
  for (const RunResult& r : results) {
    const RunMetrics& m = r.metrics;
    std::vector<std::string> row = {CsvField(r.run->id), RunStateName(r.record.state)};
    for (const std::string& value : r.run->values) row.push_back(CsvField(value));
    row.push_back(absl::StrCat(r.run->world_size));
    for (double v : {m.step, m.final_accuracy, m.final_test_loss, m.last_train_loss, m.time_s,
                     m.samples_per_sec, m.bytes_sent, m.time_to_target_s}) {
      row.push_back(CsvNumber(v));
    }
    const bool ended = r.record.state != RunState::kPending;
    row.push_back(ended ? absl::StrCat(r.record.exit.exit_code) : "");
    row.push_back(ended ? absl::StrCat(r.record.exit.signal) : "");
    absl::StrAppend(&text, absl::StrJoin(row, ","), "\n");
  }
  return WriteFileAtomic(path, text);
}

}  // namespace syncline::launch
