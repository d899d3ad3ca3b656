#include "tests/launch/run_binary.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace syncline::testing {

BinaryResult RunSyncline(const std::vector<std::string>& args, const std::string& scratch_dir) {
  std::string cmd = std::string("'") + SYNCLINE_BINARY + "'";
  for (const std::string& a : args) cmd += " '" + a + "'";
  const std::string out = scratch_dir + "/stdout.txt", err = scratch_dir + "/stderr.txt";
  cmd += " >'" + out + "' 2>'" + err + "' </dev/null";
  int status = std::system(cmd.c_str());
  BinaryResult r;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace syncline::testing
