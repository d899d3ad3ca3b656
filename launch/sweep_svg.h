// A small SVG line-chart writer for sweep plots: one polyline per series,
// "nice" ticks, labelled axes and a legend to the right of the plot area, so
// that no line is hidden behind it. Standalone; no fonts or files needed.
#pragma once

#include <string>
#include <vector>

namespace syncline::launch {

struct Series {
  std::string label;
  std::vector<double> x, y;  // same length; NaN points are skipped
  // Colour and dash pattern indices; -1 derives them from the series'
  // position. Sweep plots give the runs of one setting one colour and vary
  // the dash by seed.
  int color = -1;
  int dash = -1;
};

struct LineChart {
  std::string title;
  std::string x_label;  // with unit, e.g. "wall-clock time (s)"
  std::string y_label;
  std::vector<Series> series;
  bool markers = false;  // a dot at each point (for sparse curves such as evals)
  bool y_from_zero = false;
  double y_scale = 1;    // values are multiplied by this for display (100 for %)
};

// The complete SVG document. Empty series are listed in the legend as
// "(no data)"; a chart with no points draws its frame and a note.
std::string RenderSvg(const LineChart& chart);

// Tick positions covering [lo, hi] with a "nice" step (1, 2 or 5 x 10^k).
std::vector<double> NiceTicks(double lo, double hi, int target_count);

}  // namespace syncline::launch
