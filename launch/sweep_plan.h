// Sweep planning: a SweepConfig (base experiment + axes) expanded into the
// list of runs, each with its resolved ExperimentConfig. Everything that can
// be wrong with the sweep file is found here, before any run starts.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "syncline/config.pb.h"
#include "syncline/sweep.pb.h"

namespace syncline::launch {

// The axis path that sets the number of MPI ranks instead of a config field.
inline constexpr char kWorldSizeAxis[] = "world_size";

struct SweepRun {
  int index = 0;                    // position in the sweep, 0-based
  std::string id;                   // folder name; stable while axis values stay the same
  std::vector<std::string> values;  // one per axis, in axis order
  int world_size = 1;
  proto::ExperimentConfig config;   // base with this run's axis values applied
};

struct SweepPlan {
  proto::SweepConfig sweep;
  std::string source;               // the sweep file, for messages ("" when built in memory)
  std::vector<std::string> labels;  // column name per axis
  std::vector<SweepRun> runs;

  // Index of the axis with the sweep's seed_path, or -1.
  int SeedAxis() const;
  // "label=value, ..." over every axis but the seed axis (the run's setting).
  std::string SettingName(const SweepRun& run) const;
  // "label=value, ..." over every axis.
  std::string RunName(const SweepRun& run) const;
};

// Reads a SweepConfig text file (and its base_config, relative to it) and
// expands it. Errors name the file and, for axes, the axis path.
absl::StatusOr<SweepPlan> LoadSweepPlan(const std::string& path);

// Expands `sweep` (already merged with its base_config) into runs: the cross
// product of the axes, or the listed points. Each axis value is applied with
// SetField and every resolved config must pass ValidateConfig. `source`
// prefixes error messages.
absl::StatusOr<SweepPlan> ExpandSweep(const proto::SweepConfig& sweep, const std::string& source);

// A folder name made of "path-value" parts; long names end in a hash.
std::string RunId(const std::vector<std::string>& paths, const std::vector<std::string>& values);

}  // namespace syncline::launch
