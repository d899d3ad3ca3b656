#include "tests/launch/run_binary.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace syncline::testing {

namespace {

// Runs a shell command line with stdout/stderr captured to files in scratch_dir.
BinaryResult RunCommand(std::string cmd, const std::string& scratch_dir) {
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

std::string Quoted(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) s += " '" + a + "'";
  return s;
}

}  // namespace

BinaryResult RunSyncline(const std::vector<std::string>& args, const std::string& scratch_dir) {
  return RunCommand(std::string("'") + SYNCLINE_BINARY + "'" + Quoted(args), scratch_dir);
}

BinaryResult RunSynclineRanks(int np, const std::vector<std::string>& args,
                              const std::string& scratch_dir) {
  if (np == 1) return RunSyncline(args, scratch_dir);
#ifdef SYNCLINE_MPIEXEC
  return RunCommand(std::string("'") + SYNCLINE_MPIEXEC + "' -np " + std::to_string(np) + " " +
                        SYNCLINE_MPIEXEC_PREFLAGS + " '" + SYNCLINE_BINARY + "'" + Quoted(args),
                    scratch_dir);
#else
  BinaryResult r;
  r.err = "RunSynclineRanks: built without MPI, cannot start " + std::to_string(np) + " ranks";
  return r;
#endif
}

std::string JsonValue(const std::string& line, const std::string& key) {
  size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  at += key.size() + 3;
  size_t end = line.find_first_of(",}", at);
  return line.substr(at, end - at);
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
