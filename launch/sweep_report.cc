// results.md: the Markdown half of sweep_results.h.
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "launch/sweep_results.h"

namespace syncline::launch {
namespace {

std::string Cell(const std::string& text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

std::string Bytes(double b) {
  if (!std::isfinite(b)) return "—";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  return u == 0 ? absl::StrFormat("%.0f B", b) : absl::StrFormat("%.1f %s", b, units[u]);
}

// "12.3 ± 0.4" (± only over several values), "—" when none.
std::string Format(const MeanStd& s, int decimals, double scale = 1) {
  if (s.count == 0) return "—";
  std::string out = absl::StrFormat("%.*f", decimals, s.mean * scale);
  if (s.count > 1) absl::StrAppend(&out, " ± ", absl::StrFormat("%.*f", decimals, s.std * scale));
  return out;
}

std::string FormatBytes(const MeanStd& s) {
  if (s.count == 0) return "—";
  return s.std > 0 ? absl::StrCat(Bytes(s.mean), " ± ", Bytes(s.std)) : Bytes(s.mean);
}

using Getter = std::function<double(const RunMetrics&)>;

std::vector<std::string> MetricCells(const std::vector<const RunResult*>& runs) {
  auto summarize = [&](const Getter& get) {
    std::vector<double> values;
    for (const RunResult* r : runs) {
      if (r->record.state == RunState::kSucceeded) values.push_back(get(r->metrics));
    }
    return Summarize(values);
  };
  return {
      Format(summarize([](const RunMetrics& m) { return m.final_accuracy; }), 2, 100),
      Format(summarize([](const RunMetrics& m) { return m.final_test_loss; }), 4),
      Format(summarize([](const RunMetrics& m) { return m.last_train_loss; }), 4),
      Format(summarize([](const RunMetrics& m) { return m.time_s; }), 1),
      Format(summarize([](const RunMetrics& m) { return m.samples_per_sec; }), 0),
      FormatBytes(summarize([](const RunMetrics& m) { return m.bytes_sent; })),
      Format(summarize([](const RunMetrics& m) { return m.time_to_target_s; }), 1),
  };
}

std::vector<std::string> MetricHeaders(const SweepPlan& plan) {
  std::string target = plan.sweep.target_accuracy() > 0
                           ? absl::StrFormat("time to %.4g%% (s)", plan.sweep.target_accuracy() * 100)
                           : "time to target (s)";
  return {"test accuracy (%)", "test loss", "train loss", "time (s)", "samples/s", "bytes sent",
          target};
}

void AppendRow(const std::vector<std::string>& cells, std::string* md) {
  std::vector<std::string> escaped;
  for (const std::string& c : cells) escaped.push_back(Cell(c));
  absl::StrAppend(md, "| ", absl::StrJoin(escaped, " | "), " |\n");
}

void AppendHeader(const std::vector<std::string>& cells, std::string* md) {
  AppendRow(cells, md);
  absl::StrAppend(md, "|");
  for (size_t i = 0; i < cells.size(); ++i) absl::StrAppend(md, " --- |");
  absl::StrAppend(md, "\n");
}

// One row per setting (all axes but the seed), mean ± std over its seeds.
void AppendSummary(const SweepPlan& plan, const std::vector<RunResult>& results, std::string* md) {
  const int seed_axis = plan.SeedAxis();
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RunResult*>> groups;
  for (const RunResult& r : results) {
    std::string key = plan.SettingName(*r.run);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&r);
  }
  std::vector<std::string> header;
  for (size_t a = 0; a < plan.labels.size(); ++a) {
    if (static_cast<int>(a) != seed_axis) header.push_back(plan.labels[a]);
  }
  header.push_back(seed_axis >= 0 ? "runs ok (seeds)" : "runs ok");
  for (const std::string& h : MetricHeaders(plan)) header.push_back(h);
  AppendHeader(header, md);
  for (const std::string& key : order) {
    const auto& runs = groups[key];
    std::vector<std::string> row;
    for (size_t a = 0; a < plan.labels.size(); ++a) {
      if (static_cast<int>(a) != seed_axis) row.push_back(runs[0]->run->values[a]);
    }
    int ok = 0;
    for (const RunResult* r : runs) ok += r->record.state == RunState::kSucceeded;
    row.push_back(absl::StrCat(ok, "/", runs.size()));
    for (const std::string& c : MetricCells(runs)) row.push_back(c);
    AppendRow(row, md);
  }
}

void AppendRuns(const SweepPlan& plan, const std::vector<RunResult>& results, std::string* md) {
  std::vector<std::string> header = {"run", "status"};
  for (const std::string& label : plan.labels) header.push_back(label);
  for (const std::string& h : MetricHeaders(plan)) header.push_back(h);
  AppendHeader(header, md);
  for (const RunResult& r : results) {
    std::vector<std::string> row = {absl::StrCat("`", r.run->id, "`"), RunStateName(r.record.state)};
    for (const std::string& v : r.run->values) row.push_back(v);
    RunResult ok = r;  // show a failed run's partial numbers too
    ok.record.state = RunState::kSucceeded;
    for (const std::string& c : MetricCells({&ok})) row.push_back(c);
    AppendRow(row, md);
  }
}

void AppendFailures(const std::vector<RunResult>& results, std::string* md) {
  for (const RunResult& r : results) {
    if (r.record.state != RunState::kFailed) continue;
    absl::StrAppend(md, "\n**`", r.run->id, "`**: ", r.record.reason, " after ",
                    absl::StrFormat("%.1f", r.record.seconds), " s (log: `runs/", r.run->id,
                    "/stderr.log`)\n\n```\n", r.record.log_tail, "```\n");
  }
}

}  // namespace

absl::Status WriteResultsMarkdown(const std::string& path, const SweepPlan& plan,
                                  const std::vector<RunResult>& results,
                                  const std::vector<std::string>& plots) {
  int counts[3] = {0, 0, 0};
  for (const RunResult& r : results) ++counts[static_cast<int>(r.record.state)];
  std::string md = absl::StrCat("# Sweep `", plan.sweep.name(), "`\n\n", results.size(),
                                " runs: ", counts[1], " ok, ", counts[2], " failed, ", counts[0],
                                " not run yet. Each run's config, metrics and logs are in `runs/<run>/`.\n");
  if (plan.SeedAxis() >= 0) {
    absl::StrAppend(&md, "Values are mean ± std over `", plan.sweep.seed_path(),
                    "` (successful runs only).\n");
  }
  absl::StrAppend(&md, "\n## Summary\n\n");
  AppendSummary(plan, results, &md);
  absl::StrAppend(&md, "\n## Runs\n\n");
  AppendRuns(plan, results, &md);
  if (counts[2] > 0) {
    absl::StrAppend(&md, "\n## Failed runs\n");
    AppendFailures(results, &md);
  }
  if (!plots.empty()) {
    absl::StrAppend(&md, "\n## Plots\n\n");
    for (const std::string& plot : plots) {
      std::string name = std::filesystem::path(plot).stem().string();
      absl::StrReplaceAll({{"_", " "}}, &name);
      absl::StrAppend(&md, "![", name, "](", plot, ")\n\n");
    }
  }
  return WriteFileAtomic(path, md);
}

}  // namespace syncline::launch
