// A small command-line flag parser for subcommands: "--name value",
// "--name=value", repeatable flags and boolean switches. Flags are written
// into caller-owned variables; nothing is global.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "launch/subcommands.h"

namespace syncline::launch {

class FlagSet {
 public:
  // `usage` is printed by Usage(), e.g. "syncline train --config F [...]".
  explicit FlagSet(std::string usage) : usage_(std::move(usage)) {}

  // Registers flags; the pointers must outlive Parse().
  void String(const std::string& name, std::string* out, const std::string& help);
  void Repeated(const std::string& name, std::vector<std::string>* out, const std::string& help);
  void Switch(const std::string& name, bool* out, const std::string& help);
  // A string flag that must be given.
  void Required(const std::string& name, std::string* out, const std::string& help);

  // Unknown flags, missing values, missing required flags and stray
  // positional arguments are InvalidArgument naming the flag. "--help" sets
  // help_requested() and returns OK.
  absl::Status Parse(const Args& args);
  bool help_requested() const { return help_; }
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string* str = nullptr;
    std::vector<std::string>* list = nullptr;
    bool* sw = nullptr;
    bool required = false;
    bool seen = false;
  };
  Flag* Find(const std::string& name);

  std::string usage_;
  std::vector<Flag> flags_;
  bool help_ = false;
};

}  // namespace syncline::launch
