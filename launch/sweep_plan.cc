#include "launch/sweep_plan.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "launch/config.h"

namespace syncline::launch {
namespace {

std::string Prefix(const std::string& source) { return source.empty() ? "sweep" : source; }

absl::Status Invalid(const std::string& source, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(Prefix(source), ": ", message));
}

uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Keeps names portable: letters, digits, '.', '-', '_'; anything else becomes '-'.
std::string Sanitize(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    out += keep ? c : '-';
  }
  return out;
}

absl::StatusOr<int> ParseWorldSize(const std::string& value) {
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("world_size must be a positive integer, got '", value, "'"));
  }
  return n;
}

// Checks one axis: a path, values, and every value settable on the base.
absl::Status CheckAxis(const proto::SweepConfig& sweep, int i, const std::string& source) {
  const proto::SweepAxis& axis = sweep.axes(i);
  if (axis.path().empty()) return Invalid(source, absl::StrCat("axes[", i, "] has no path"));
  if (axis.values().empty()) {
    return Invalid(source, absl::StrCat("axis '", axis.path(), "' has no values"));
  }
  for (const std::string& value : axis.values()) {
    absl::Status status;
    if (axis.path() == kWorldSizeAxis) {
      status = ParseWorldSize(value).status();
    } else {
      proto::ExperimentConfig probe = sweep.base();
      status = SetField(&probe, axis.path(), value);
    }
    if (!status.ok()) {
      return Invalid(source, absl::StrCat("axis '", axis.path(), "': ", status.message()));
    }
  }
  for (const proto::SweepLink& link : axis.links()) {
    if (link.values_size() != axis.values_size()) {
      return Invalid(source, absl::StrCat("axis '", axis.path(), "': link '", link.path(), "' has ",
                                          link.values_size(), " values, the axis has ",
                                          axis.values_size()));
    }
    for (const std::string& value : link.values()) {
      proto::ExperimentConfig probe = sweep.base();
      if (absl::Status status = SetField(&probe, link.path(), value); !status.ok()) {
        return Invalid(source, absl::StrCat("axis '", axis.path(), "': link: ", status.message()));
      }
    }
  }
  return absl::OkStatus();
}

// The value lists of every run: the cross product, or the listed points.
absl::StatusOr<std::vector<std::vector<std::string>>> Points(const proto::SweepConfig& sweep,
                                                             const std::string& source) {
  std::vector<std::vector<std::string>> points;
  const int n_axes = sweep.axes_size();
  if (sweep.points_size() > 0) {
    for (int p = 0; p < sweep.points_size(); ++p) {
      const auto& values = sweep.points(p).values();
      if (values.size() != n_axes) {
        return Invalid(source, absl::StrCat("points[", p, "] has ", values.size(),
                                            " values, the sweep has ", n_axes, " axes"));
      }
      points.emplace_back(values.begin(), values.end());
    }
    return points;
  }
  points.emplace_back();  // zero axes: one run, the base
  for (int a = 0; a < n_axes; ++a) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : points) {
      for (const std::string& value : sweep.axes(a).values()) {
        next.push_back(prefix);
        next.back().push_back(value);
      }
    }
    points = std::move(next);
  }
  return points;
}

// Sets the linked fields for the axis value; a listed point's value that is
// not among the axis values leaves them alone.
absl::Status ApplyLinks(const proto::SweepAxis& axis, const std::string& value,
                        proto::ExperimentConfig* config) {
  for (int i = 0; i < axis.values_size(); ++i) {
    if (axis.values(i) != value) continue;
    for (const proto::SweepLink& link : axis.links()) {
      if (absl::Status s = SetField(config, link.path(), link.values(i)); !s.ok()) return s;
    }
    break;
  }
  return absl::OkStatus();
}

// Applies one point's values to the base and validates the result.
absl::StatusOr<SweepRun> Resolve(const proto::SweepConfig& sweep,
                                 const std::vector<std::string>& values,
                                 const std::vector<std::string>& paths) {
  SweepRun run;
  run.values = values;
  run.id = RunId(paths, values);
  run.config = sweep.base();
  run.world_size = sweep.world_size();
  for (size_t a = 0; a < paths.size(); ++a) {
    absl::Status status;
    if (paths[a] == kWorldSizeAxis) {
      absl::StatusOr<int> n = ParseWorldSize(values[a]);
      status = n.status();
      if (n.ok()) run.world_size = *n;
    } else {
      status = SetField(&run.config, paths[a], values[a]);
    }
    if (status.ok()) status = ApplyLinks(sweep.axes(a), values[a], &run.config);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("run ", run.id, ": axis '", paths[a], "': ", status.message()));
    }
  }
  if (absl::Status status = ValidateConfig(run.config); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("run ", run.id, ": ", status.message()));
  }
  return run;
}

}  // namespace

int SweepPlan::SeedAxis() const {
  for (int a = 0; a < sweep.axes_size(); ++a) {
    if (sweep.axes(a).path() == sweep.seed_path()) return a;
  }
  return -1;
}

std::string SweepPlan::SettingName(const SweepRun& run) const {
  std::vector<std::string> parts;
  for (size_t a = 0; a < labels.size(); ++a) {
    if (static_cast<int>(a) != SeedAxis()) parts.push_back(absl::StrCat(labels[a], "=", run.values[a]));
  }
  return parts.empty() ? "base" : absl::StrJoin(parts, ", ");
}

std::string SweepPlan::RunName(const SweepRun& run) const {
  std::vector<std::string> parts;
  for (size_t a = 0; a < labels.size(); ++a) parts.push_back(absl::StrCat(labels[a], "=", run.values[a]));
  return parts.empty() ? "base" : absl::StrJoin(parts, ", ");
}

std::string RunId(const std::vector<std::string>& paths, const std::vector<std::string>& values) {
  if (paths.empty()) return "base";
  std::vector<std::string> parts;
  for (size_t a = 0; a < paths.size(); ++a) parts.push_back(Sanitize(paths[a] + "-" + values[a]));
  std::string id = absl::StrJoin(parts, "_");
  constexpr size_t kMaxLength = 96;
  if (id.size() > kMaxLength) {
    char hash[20];
    std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(Fnv1a(id)));
    id = absl::StrCat(id.substr(0, kMaxLength - 17), "_", hash);
  }
  return id;
}

absl::StatusOr<SweepPlan> ExpandSweep(const proto::SweepConfig& sweep, const std::string& source) {
  SweepPlan plan;
  plan.sweep = sweep;
  plan.source = source;
  if (sweep.world_size() < 1) return Invalid(source, "world_size must be >= 1");
  std::set<std::string> seen;
  std::vector<std::string> paths;
  for (int a = 0; a < sweep.axes_size(); ++a) {
    if (absl::Status status = CheckAxis(sweep, a, source); !status.ok()) return status;
    const std::string& path = sweep.axes(a).path();
    if (!seen.insert(path).second) return Invalid(source, absl::StrCat("axis '", path, "' appears twice"));
    paths.push_back(path);
    plan.labels.push_back(sweep.axes(a).label().empty() ? path : sweep.axes(a).label());
  }
  absl::StatusOr<std::vector<std::vector<std::string>>> points = Points(sweep, source);
  if (!points.ok()) return points.status();
  std::set<std::string> ids;
  for (const auto& values : *points) {
    absl::StatusOr<SweepRun> run = Resolve(sweep, values, paths);
    if (!run.ok()) return Invalid(source, std::string(run.status().message()));
    if (!ids.insert(run->id).second) return Invalid(source, absl::StrCat("run ", run->id, " is listed twice"));
    run->index = static_cast<int>(plan.runs.size());
    plan.runs.push_back(std::move(*run));
  }
  return plan;
}

absl::StatusOr<SweepPlan> LoadSweepPlan(const std::string& path) {
  proto::SweepConfig sweep;
  if (absl::Status status = ParseTextProtoFile(path, &sweep); !status.ok()) return status;
  if (!sweep.base_config().empty()) {
    std::filesystem::path base_path = sweep.base_config();
    if (base_path.is_relative()) base_path = std::filesystem::path(path).parent_path() / base_path;
    proto::ExperimentConfig base;
    if (absl::Status status = ParseTextProtoFile(base_path.string(), &base); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": base_config: ", status.message()));
    }
    base.MergeFrom(sweep.base());  // fields set in the sweep file win
    *sweep.mutable_base() = std::move(base);
  }
  return ExpandSweep(sweep, path);
}

}  // namespace syncline::launch
