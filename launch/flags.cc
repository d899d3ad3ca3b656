#include "launch/flags.h"

#include "absl/strings/str_cat.h"

namespace syncline::launch {

void FlagSet::String(const std::string& name, std::string* out, const std::string& help) {
  flags_.push_back({.name = name, .help = help, .str = out});
}

void FlagSet::Required(const std::string& name, std::string* out, const std::string& help) {
  flags_.push_back({.name = name, .help = help, .str = out, .required = true});
}

void FlagSet::Repeated(const std::string& name, std::vector<std::string>* out,
                       const std::string& help) {
  flags_.push_back({.name = name, .help = help, .list = out});
}

void FlagSet::Switch(const std::string& name, bool* out, const std::string& help) {
  flags_.push_back({.name = name, .help = help, .sw = out});
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Parse(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      return absl::OkStatus();
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    flag->seen = true;
    if (flag->sw != nullptr) {
      if (eq != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      }
      *flag->sw = true;
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    }
    if (flag->list != nullptr) {
      flag->list->push_back(value);
    } else {
      *flag->str = value;
    }
  }
  for (const Flag& f : flags_) {
    if (f.required && !f.seen) {
      return absl::InvalidArgumentError(absl::StrCat("missing required flag --", f.name));
    }
  }
  return absl::OkStatus();
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat("usage: ", usage_, "\n");
  for (const Flag& f : flags_) {
    absl::StrAppend(&out, "  --", f.name, f.sw ? "" : " VALUE", "\n      ", f.help,
                    f.list ? " (repeatable)" : "", f.required ? " (required)" : "", "\n");
  }
  return out;
}

}  // namespace syncline::launch
