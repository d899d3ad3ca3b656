// A child process for one sweep run: started in its own process group with
// stdout and stderr sent to files, polled without blocking, killed as a group
// (mpirun and its ranks together). Not thread-safe; one owner polls it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace syncline::launch {

// How a child ended: exit_code when it exited, signal when a signal killed it.
struct ExitInfo {
  int exit_code = 0;
  int signal = 0;
  bool ok() const { return exit_code == 0 && signal == 0; }
  std::string ToString() const;  // "exit code 3", "killed by signal 9 (Killed)"
};

class ChildProcess {
 public:
  // Starts argv[0] (searched on PATH) with stdout/stderr appended to the two
  // files. Fails when the program cannot be started.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::string& stdout_path,
                                            const std::string& stderr_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills and reaps a child still running.
  ~ChildProcess();

  // True (and *info filled) once the child has ended; never blocks.
  bool Poll(ExitInfo* info);
  // SIGTERM to the group, then SIGKILL after `grace_s`; reaps the child.
  ExitInfo Kill(double grace_s = 3.0);
  pid_t pid() const { return pid_; }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Absolute path of the running executable (/proc/self/exe).
std::string SelfExecutable();

// First program among `names` found on PATH, or "".
std::string FindOnPath(const std::vector<std::string>& names);

}  // namespace syncline::launch
