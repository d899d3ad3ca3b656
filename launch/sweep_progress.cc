#include "launch/sweep_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syncline::launch {

std::string FormatDuration(double seconds) {
  long s = std::lround(std::max(0.0, seconds));
  if (s >= 3600) return absl::StrFormat("%ldh%02ldm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%ldm%02lds", s / 60, s % 60);
  if (seconds < 10) return absl::StrFormat("%.1fs", std::max(0.0, seconds));
  return absl::StrFormat("%lds", s);
}

ProgressView::ProgressView(std::FILE* out, bool tty, int total, int slots)
    : out_(out), tty_(tty), total_(total), slots_(std::max(1, slots)) {}

void ProgressView::Line(const std::string& text) {
  if (tty_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "[sweep] %s\n", text.c_str());
  if (tty_) std::fputs(StatusLine().c_str(), out_);
  std::fflush(out_);
}

void ProgressView::Skipped(const std::string& name) {
  ++skipped_;
  Line(absl::StrCat("skip  ", name, " (finished earlier)"));
}

void ProgressView::Started(const std::string& name) {
  running_[name] = Clock::now();
  Line(absl::StrCat("start ", name));
}

void ProgressView::Finished(const std::string& name, bool ok, double seconds,
                            const std::string& detail) {
  running_.erase(name);
  ok ? ++done_ : ++failed_;
  finished_seconds_ += seconds;
  ++finished_here_;
  Line(absl::StrCat(ok ? "ok    " : "FAIL  ", name, " (", FormatDuration(seconds), ")",
                    detail.empty() ? "" : ": ", detail));
}

double ProgressView::EtaSeconds() const {
  if (finished_here_ == 0) return -1;
  const double mean = finished_seconds_ / finished_here_;
  const int pending = total_ - done_ - failed_ - skipped_ - static_cast<int>(running_.size());
  double work = pending * mean;
  for (const auto& [name, started] : running_) {
    double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    work += std::max(0.0, mean - elapsed);
  }
  return work / std::min(slots_, std::max(1, pending + static_cast<int>(running_.size())));
}

std::string ProgressView::StatusLine() const {
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  double eta = EtaSeconds();
  std::string line = absl::StrFormat(
      "[sweep] %d/%d done, %zu running, %d failed, %d skipped | %s elapsed, ETA %s",
      done_ + failed_ + skipped_, total_, running_.size(), failed_, skipped_,
      FormatDuration(elapsed), eta < 0 ? std::string("?") : FormatDuration(eta));
  if (!running_.empty()) absl::StrAppend(&line, " | ", running_.begin()->first);
  // Longer than the terminal, the line would wrap and "\r" could not redraw it.
  size_t width = 100;
  struct winsize ws;
  if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) width = ws.ws_col - 1;
  if (line.size() > width) line = line.substr(0, width - 3) + "...";
  return line;
}

void ProgressView::Tick() {
  if (!tty_) return;
  std::fprintf(out_, "\r\033[K%s", StatusLine().c_str());
  std::fflush(out_);
}

void ProgressView::Close() {
  if (tty_) std::fputs("\r\033[K", out_);
  std::fprintf(out_, "[sweep] %d/%d runs ok, %d failed, %d skipped as finished earlier, %s\n",
               done_ + skipped_, total_, failed_, skipped_,
               FormatDuration(std::chrono::duration<double>(Clock::now() - start_).count()).c_str());
  std::fflush(out_);
}

}  // namespace syncline::launch
