// Runs the real build/syncline binary (path from the SYNCLINE_BINARY compile
// definition) as a subprocess and captures its exit code and output.
#pragma once

#include <string>
#include <vector>

namespace syncline::testing {

struct BinaryResult {
  int exit_code = -1;  // -1 when killed by a signal (a crash)
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs `syncline args...` with output captured to files in `scratch_dir`.
// Arguments must not contain single quotes.
BinaryResult RunSyncline(const std::vector<std::string>& args, const std::string& scratch_dir);

// The same at `np` ranks: `mpirun -np np syncline args...` when np > 1 (a
// build without MPI returns exit code -1 and says so in `err`).
BinaryResult RunSynclineRanks(int np, const std::vector<std::string>& args,
                              const std::string& scratch_dir);

// "key":value from one JSON metrics line, as written (strings keep their
// quotes); "" when the key is absent.
std::string JsonValue(const std::string& line, const std::string& key);

// Lines of a text file.
std::vector<std::string> ReadLines(const std::string& path);
// Whole file.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

}  // namespace syncline::testing
