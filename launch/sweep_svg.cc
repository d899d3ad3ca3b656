#include "launch/sweep_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syncline::launch {
namespace {

// Tableau-10: distinct on white and for the common colour-vision deficiencies.
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr const char* kDashes[] = {"", "7,4", "2,3", "9,3,2,3"};
constexpr double kLeft = 84, kTop = 48, kPlotW = 640, kPlotH = 380, kBottom = 64;
constexpr double kCharW = 7.2;  // average width of a 13px sans-serif character

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void Add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Axis range snapped outward to tick steps; a zero-width range gets width.
std::vector<double> AxisTicks(Range r, bool from_zero) {
  if (r.empty()) r = {0, 1};
  if (from_zero) r.lo = std::min(r.lo, 0.0);
  if (r.hi - r.lo < 1e-12) {
    double pad = std::max(std::abs(r.lo) * 0.1, 0.5);
    r.lo -= pad, r.hi += pad;
  }
  return NiceTicks(r.lo, r.hi, 6);
}

std::string FormatTick(double v, double step) {
  if (std::abs(v) < step * 1e-6) v = 0;
  if (std::abs(v) >= 1e6) return absl::StrFormat("%.3g", v);
  int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return absl::StrFormat("%.*f", decimals, v);
}

class Canvas {
 public:
  Canvas(const std::vector<double>& xt, const std::vector<double>& yt)
      : x0_(xt.front()), x1_(xt.back()), y0_(yt.front()), y1_(yt.back()) {}
  double X(double v) const { return kLeft + (v - x0_) / (x1_ - x0_) * kPlotW; }
  double Y(double v) const { return kTop + kPlotH - (v - y0_) / (y1_ - y0_) * kPlotH; }

 private:
  double x0_, x1_, y0_, y1_;
};

void DrawAxes(const LineChart& c, const std::vector<double>& xt, const std::vector<double>& yt,
              const Canvas& cv, std::string* svg) {
  for (double t : xt) {
    absl::StrAppendFormat(svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>\n",
                          cv.X(t), kTop, cv.X(t), kTop + kPlotH);
    absl::StrAppendFormat(svg, "<text x='%.1f' y='%.1f' text-anchor='middle'>%s</text>\n", cv.X(t),
                          kTop + kPlotH + 18, FormatTick(t, xt[1] - xt[0]));
  }
  for (double t : yt) {
    absl::StrAppendFormat(svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>\n",
                          kLeft, cv.Y(t), kLeft + kPlotW, cv.Y(t));
    absl::StrAppendFormat(svg, "<text x='%.1f' y='%.1f' text-anchor='end'>%s</text>\n", kLeft - 6,
                          cv.Y(t) + 4, FormatTick(t, yt[1] - yt[0]));
  }
  absl::StrAppendFormat(svg, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' class='frame'/>\n",
                        kLeft, kTop, kPlotW, kPlotH);
  absl::StrAppendFormat(svg, "<text x='%.1f' y='%.1f' text-anchor='middle'>%s</text>\n",
                        kLeft + kPlotW / 2, kTop + kPlotH + 44, Escape(c.x_label));
  absl::StrAppendFormat(svg,
                        "<text transform='translate(%.1f,%.1f) rotate(-90)' "
                        "text-anchor='middle'>%s</text>\n",
                        kLeft - 58, kTop + kPlotH / 2, Escape(c.y_label));
  absl::StrAppendFormat(svg, "<text x='%.1f' y='28' text-anchor='middle' class='title'>%s</text>\n",
                        kLeft + kPlotW / 2, Escape(c.title));
}

const char* Color(const Series& s, size_t i) {
  return kColors[(s.color >= 0 ? static_cast<size_t>(s.color) : i) % 10];
}

std::string Style(const Series& s, size_t i) {
  std::string style = absl::StrCat("stroke='", Color(s, i), "'");
  const char* dash = kDashes[(s.dash >= 0 ? static_cast<size_t>(s.dash) : i / 10) % 4];
  if (*dash) absl::StrAppend(&style, " stroke-dasharray='", dash, "'");
  return style;
}

void DrawSeries(const LineChart& c, size_t i, const Canvas& cv, std::string* svg) {
  const Series& s = c.series[i];
  std::string points;
  for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
    if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k])) continue;
    double x = cv.X(s.x[k]), y = cv.Y(s.y[k] * c.y_scale);
    absl::StrAppendFormat(&points, "%.1f,%.1f ", x, y);
    if (c.markers) {
      absl::StrAppendFormat(svg, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n", x, y,
                            Color(s, i));
    }
  }
  if (!points.empty()) {
    absl::StrAppendFormat(svg, "<polyline class='line' %s points='%s'/>\n", Style(s, i), points);
  }
}

void DrawLegend(const LineChart& c, std::string* svg) {
  const double x = kLeft + kPlotW + 24;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const double y = kTop + 8 + 20.0 * i;
    absl::StrAppendFormat(svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='line' %s/>\n",
                          x, y, x + 26, y, Style(c.series[i], i));
    std::string label = c.series[i].label;
    if (c.series[i].x.empty()) label += " (no data)";
    absl::StrAppendFormat(svg, "<text x='%.1f' y='%.1f'>%s</text>\n", x + 32, y + 4,
                          Escape(label));
  }
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target_count) {
  double raw = (hi - lo) / std::max(1, target_count - 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * 10;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step + 1e-9) * step;
  for (double t = first; t < hi + step * (1 - 1e-9); t += step) ticks.push_back(t);
  if (ticks.size() < 2) ticks.push_back(first + step);
  return ticks;
}

std::string RenderSvg(const LineChart& c) {
  Range xr, yr;
  for (const Series& s : c.series) {
    for (double v : s.x) xr.Add(v);
    for (double v : s.y) yr.Add(v * c.y_scale);
  }
  const bool empty = xr.empty() || yr.empty();
  const std::vector<double> xt = AxisTicks(xr, false), yt = AxisTicks(yr, c.y_from_zero);
  size_t longest = 0;
  for (const Series& s : c.series) longest = std::max(longest, s.label.size() + (s.x.empty() ? 10 : 1));
  const double width = kLeft + kPlotW + 24 + 32 + longest * kCharW + 16;
  const double height = std::max(kTop + kPlotH + kBottom, kTop + 20.0 * c.series.size() + 16);
  std::string svg = absl::StrFormat(
      "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
      "viewBox='0 0 %.0f %.0f' font-family='DejaVu Sans, Arial, Helvetica, sans-serif' "
      "font-size='13'>\n<style>.grid{stroke:#e3e3e3;stroke-width:1}"
      ".frame{fill:none;stroke:#444;stroke-width:1}.line{fill:none;stroke-width:2}"
      ".title{font-size:16px;font-weight:bold}</style>\n"
      "<rect width='100%%' height='100%%' fill='white'/>\n",
      width, height, width, height);
  const Canvas canvas(xt, yt);
  DrawAxes(c, xt, yt, canvas, &svg);
  for (size_t i = 0; i < c.series.size(); ++i) DrawSeries(c, i, canvas, &svg);
  if (empty) {
    absl::StrAppendFormat(&svg, "<text x='%.1f' y='%.1f' text-anchor='middle'>no data yet</text>\n",
                          kLeft + kPlotW / 2, kTop + kPlotH / 2);
  }
  DrawLegend(c, &svg);
  return svg + "</svg>\n";
}

}  // namespace syncline::launch
