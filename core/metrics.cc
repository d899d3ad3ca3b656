#include "core/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syncline::core {
namespace {

// Shortest decimal form that parses back to exactly `value`.
template <typename T>
std::string ShortestNumber(T value) {
  if (!std::isfinite(value)) return "null";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

}  // namespace

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

JsonLine::JsonLine(const std::string& kind) : body_("{\"kind\":" + JsonQuote(kind)) {}

void JsonLine::Key(const std::string& key) { absl::StrAppend(&body_, ",", JsonQuote(key), ":"); }

JsonLine& JsonLine::Add(const std::string& key, int64_t value) {
  Key(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, float value) {
  Key(key);
  body_ += ShortestNumber(value);
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, double value) {
  Key(key);
  body_ += ShortestNumber(value);
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, const std::string& value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}

JsonLine& JsonLine::Add(const std::string& key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}

absl::StatusOr<std::unique_ptr<MetricsWriter>> MetricsWriter::Open(const std::string& path,
                                                                   bool append) {
  std::FILE* file = std::fopen(path.c_str(), append ? "a" : "w");
  if (file == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("metrics file ", path, ": cannot open for writing: ", std::strerror(errno)));
  }
  return std::unique_ptr<MetricsWriter>(new MetricsWriter(path, file));
}

MetricsWriter::~MetricsWriter() { std::fclose(file_); }

absl::Status MetricsWriter::Write(const JsonLine& line) {
  std::string text = line.str() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    return absl::DataLossError(
        absl::StrCat("metrics file ", path_, ": write failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool ProgressLine::Enabled(const std::string& mode) {
  if (mode == "on") return true;
  if (mode == "off") return false;
  // Open MPI gives every rank a pseudo-terminal whether or not mpirun's own
  // output is one, so under mpirun "auto" cannot tell a log file from a
  // terminal and stays off (scripts/run-default.sh asks for "on" on a TTY).
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) return false;
  return isatty(STDOUT_FILENO) == 1;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

void ProgressLine::Update(int epoch, int epochs, int64_t step, int64_t total_steps, float loss,
                          double samples_per_sec, double eta_s) {
  if (!enabled_) return;
  constexpr int kBarWidth = 20;
  double frac = total_steps > 0 ? std::clamp(double(step) / double(total_steps), 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(frac * kBarWidth);
  std::string bar(filled, '=');
  if (filled < kBarWidth) bar += '>' + std::string(kBarWidth - filled - 1, ' ');
  std::printf("\repoch %d/%d  step %lld/%lld [%s]  loss %.4f  %.0f samples/s  ETA %s\x1b[K", epoch,
              epochs, static_cast<long long>(step), static_cast<long long>(total_steps),
              bar.c_str(), loss, samples_per_sec, FormatDuration(eta_s).c_str());
  std::fflush(stdout);
  drawn_ = true;
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  std::printf("\r\x1b[K");
  std::fflush(stdout);
  drawn_ = false;
}

}  // namespace syncline::core
