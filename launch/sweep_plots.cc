#include "launch/sweep_plots.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "launch/sweep_process.h"
#include "launch/sweep_svg.h"

namespace syncline::launch {
namespace {

enum class Axis { kStep, kTime };

struct PlotSpec {
  const char* file;
  const char* title;
  const char* y_label;
  Axis x;
  bool accuracy;
};

constexpr PlotSpec kPlots[] = {
    {"loss_vs_step", "Training loss vs steps", "training loss (cross-entropy)", Axis::kStep, false},
    {"loss_vs_time", "Training loss vs wall-clock time", "training loss (cross-entropy)",
     Axis::kTime, false},
    {"accuracy_vs_step", "Test accuracy vs steps", "test accuracy (%)", Axis::kStep, true},
    {"accuracy_vs_time", "Test accuracy vs wall-clock time", "test accuracy (%)", Axis::kTime,
     true},
};

LineChart BuildChart(const PlotSpec& spec, const SweepPlan& plan,
                     const std::vector<RunResult>& results) {
  LineChart chart;
  chart.title = absl::StrCat(spec.title, " — ", plan.sweep.name());
  chart.x_label = spec.x == Axis::kStep ? "step (optimizer updates)" : "wall-clock time (s)";
  chart.y_label = spec.y_label;
  chart.markers = spec.accuracy;
  chart.y_scale = spec.accuracy ? 100 : 1;
  chart.y_from_zero = !spec.accuracy;
  std::map<std::string, int> settings;  // setting -> colour
  std::map<std::string, int> seeds;     // setting -> runs seen so far (dash)
  for (const RunResult& r : results) {
    Series s;
    const std::string setting = plan.SettingName(*r.run);
    s.color = settings.emplace(setting, static_cast<int>(settings.size())).first->second;
    s.dash = seeds[setting]++ + s.color / 10;  // past 10 colours, vary the dash too
    s.label = plan.RunName(*r.run);
    if (r.record.state == RunState::kFailed) s.label += " [failed]";
    const auto& curve = spec.accuracy ? r.metrics.test_accuracy : r.metrics.train_loss;
    for (const CurvePoint& p : curve) {
      s.x.push_back(spec.x == Axis::kStep ? p.step : p.time_s);
      s.y.push_back(p.value);
    }
    chart.series.push_back(std::move(s));
  }
  return chart;
}

}  // namespace

bool ConvertSvgToPng(const std::string& svg_path, const std::string& png_path) {
  std::error_code ignored;
  std::filesystem::remove(png_path, ignored);  // never leave a stale picture behind
  std::vector<std::string> argv;
  if (std::string rsvg = FindOnPath({"rsvg-convert"}); !rsvg.empty()) {
    argv = {rsvg, "-b", "white", "-o", png_path, svg_path};
  } else if (std::string magick = FindOnPath({"magick", "convert"}); !magick.empty()) {
    argv = {magick, svg_path, png_path};
  } else {
    return false;
  }
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(argv, "/dev/null", "/dev/null");
  if (!child.ok()) return false;
  ExitInfo exit;
  while (!child->Poll(&exit)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return exit.ok() && std::filesystem::exists(png_path);
}

absl::StatusOr<PlotFiles> WritePlots(const std::string& out_dir, const SweepPlan& plan,
                                     const std::vector<RunResult>& results) {
  std::error_code error;
  std::filesystem::create_directories(out_dir + "/plots", error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", out_dir, "/plots"));
  PlotFiles files;
  for (const PlotSpec& spec : kPlots) {
    const std::string base = absl::StrCat("plots/", spec.file);
    if (absl::Status s = WriteFileAtomic(absl::StrCat(out_dir, "/", base, ".svg"),
                                         RenderSvg(BuildChart(spec, plan, results)));
        !s.ok()) {
      return s;
    }
    files.svg.push_back(base + ".svg");
    if (ConvertSvgToPng(absl::StrCat(out_dir, "/", base, ".svg"),
                        absl::StrCat(out_dir, "/", base, ".png"))) {
      files.png.push_back(base + ".png");
    }
  }
  return files;
}

}  // namespace syncline::launch
