// Child processes for federated tests: real `syncline` daemons on loopback.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace syncline::federated::testing {

// A free TCP port on 127.0.0.1 (bound and released; racy but fine for tests).
int FreePort();

// Runs `argv` with stdout and stderr appended to log_path. The destructor
// SIGKILLs and reaps a still-running child, so no test leaves strays.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Signal(int sig);
  // Exit code (128 + signal if killed), or -1 if still running after timeout_s.
  int Wait(double timeout_s);
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
// Polls until `needle` appears in the file or timeout_s passes.
bool WaitForText(const std::string& path, const std::string& needle, double timeout_s);
// Lines of a JSON-lines file containing "kind":"<kind>".
std::vector<std::string> MetricLines(const std::string& path, const std::string& kind);
// The raw value of "key": in one JSON line (number or quoted string without quotes).
std::string JsonField(const std::string& line, const std::string& key);

}  // namespace syncline::federated::testing
