// Training output: JSON-lines metrics (for sweeps, docs and benchmarks) and a
// human progress line on a terminal.
//
// Metrics format (one object per line, every line has "kind"; see CONTRACTS):
//   {"kind":"train","step":N,"epoch":E,"loss":x,"lr":x,"samples_per_sec":x,"time_s":t,...}
//   {"kind":"eval","step":N,"epoch":E,"test_accuracy":x,"test_loss":x,"time_s":t}
//   {"kind":"final","step":N,"test_accuracy":x,"test_loss":x,"time_s":t,"samples_per_sec":x,...}
// Floats are written in the shortest form that reads back to the same value
// (so a float32 loss round-trips exactly); NaN and infinities as null.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace syncline::core {

// Builds one JSON object: JsonLine("train").Add("step", 5).Add("loss", 0.3f).str()
class JsonLine {
 public:
  explicit JsonLine(const std::string& kind);
  JsonLine& Add(const std::string& key, int64_t value);
  JsonLine& Add(const std::string& key, int value) { return Add(key, int64_t{value}); }
  JsonLine& Add(const std::string& key, float value);
  JsonLine& Add(const std::string& key, double value);
  JsonLine& Add(const std::string& key, const std::string& value);
  JsonLine& Add(const std::string& key, const char* value) { return Add(key, std::string(value)); }
  JsonLine& Add(const std::string& key, bool value);
  // The object without a trailing newline.
  std::string str() const { return body_ + "}"; }

 private:
  void Key(const std::string& key);
  std::string body_;
};

// JSON string literal with escapes, including the quotes.
std::string JsonQuote(const std::string& s);

// Appends JSON lines to a file; each Write is flushed so a reader (or a
// crash) sees whole lines.
class MetricsWriter {
 public:
  // Creates or truncates `path` (append = false) or appends to it (resume).
  // An unwritable path is an error naming it.
  static absl::StatusOr<std::unique_ptr<MetricsWriter>> Open(const std::string& path, bool append);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  absl::Status Write(const JsonLine& line);
  const std::string& path() const { return path_; }

 private:
  MetricsWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  std::string path_;
  std::FILE* file_;
};

// "epoch 2/10  step 700/4690 [=====>    ]  loss 0.4123  5321 samples/s  ETA 1m12s",
// redrawn in place with "\r" on stdout. Draws only when enabled; callers
// decide (logging.progress: "on", "off", or "auto" = stdout is a terminal).
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  // Whether mode ("auto", "on", "off") enables the line for this process.
  static bool Enabled(const std::string& mode);

  void Update(int epoch, int epochs, int64_t step, int64_t total_steps, float loss,
              double samples_per_sec, double eta_s);
  // Erases the drawn line so other output starts on a clean line.
  void Clear();
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool drawn_ = false;
};

// "1h02m", "3m05s", "42s".
std::string FormatDuration(double seconds);

}  // namespace syncline::core
