// What the sweep shows while it runs. On a TTY: one status line redrawn in
// place (done / running / failed / skipped, elapsed, ETA, the runs in flight)
// with a permanent line per finished run above it. Otherwise: plain lines,
// one per start and end, so logs stay readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

namespace syncline::launch {

class ProgressView {
 public:
  // `total` runs in the sweep; `slots` how many may run at once (for the ETA).
  ProgressView(std::FILE* out, bool tty, int total, int slots);

  void Skipped(const std::string& name);
  void Started(const std::string& name);
  void Finished(const std::string& name, bool ok, double seconds, const std::string& detail);
  // Redraws the status line (TTY only); call a few times a second.
  void Tick();
  // Clears the status line and prints a one-line summary.
  void Close();

  // Seconds left, from the mean duration of runs finished in this session;
  // negative when nothing has finished yet.
  double EtaSeconds() const;

 private:
  using Clock = std::chrono::steady_clock;
  void Line(const std::string& text);  // a permanent line
  std::string StatusLine() const;

  std::FILE* out_;
  bool tty_;
  int total_, slots_;
  int done_ = 0, failed_ = 0, skipped_ = 0;
  double finished_seconds_ = 0;  // sum over runs finished in this session
  int finished_here_ = 0;
  std::map<std::string, Clock::time_point> running_;
  Clock::time_point start_ = Clock::now();
};

// "1h02m", "3m05s", "42s".
std::string FormatDuration(double seconds);

}  // namespace syncline::launch
