// The sweep's plots: training loss and test accuracy against steps and
// against wall-clock time, one line per run, as SVG under <out>/plots/, plus
// PNG copies when rsvg-convert or ImageMagick is installed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "launch/sweep_results.h"

namespace syncline::launch {

struct PlotFiles {
  std::vector<std::string> svg;  // relative to out_dir, e.g. "plots/loss_vs_step.svg"
  std::vector<std::string> png;  // the PNGs that were made (empty without a converter)
};

absl::StatusOr<PlotFiles> WritePlots(const std::string& out_dir, const SweepPlan& plan,
                                     const std::vector<RunResult>& results);

// Converts an SVG to PNG with the first converter found; false when there is
// none or it failed (the PNG is then absent).
bool ConvertSvgToPng(const std::string& svg_path, const std::string& png_path);

}  // namespace syncline::launch
