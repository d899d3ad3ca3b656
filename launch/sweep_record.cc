#include "launch/sweep_record.h"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace syncline::launch {

RunPaths RunPaths::For(const std::string& out_dir, const std::string& run_id) {
  RunPaths p;
  p.dir = absl::StrCat(out_dir, "/runs/", run_id);
  p.config = p.dir + "/config.textproto";
  p.command = p.dir + "/command.txt";
  p.stdout_log = p.dir + "/stdout.log";
  p.stderr_log = p.dir + "/stderr.log";
  p.metrics = p.dir + "/metrics.jsonl";
  p.status = p.dir + "/status.json";
  p.done = p.dir + "/DONE";
  return p;
}

const char* RunStateName(RunState state) {
  switch (state) {
    case RunState::kSucceeded:
      return "ok";
    case RunState::kFailed:
      return "failed";
    case RunState::kPending:
      break;
  }
  return "pending";
}

absl::Status WriteFileAtomic(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

absl::Status WriteRunRecord(const RunPaths& paths, const RunRecord& record) {
  std::string json = absl::StrCat(
      "{\"state\":", JsonQuote(RunStateName(record.state)), ",\"exit_code\":", record.exit.exit_code,
      ",\"signal\":", record.exit.signal, ",\"seconds\":", record.seconds,
      ",\"reason\":", JsonQuote(record.reason), ",\"log_tail\":", JsonQuote(record.log_tail), "}\n");
  return WriteFileAtomic(paths.status, json);
}

RunRecord ReadRunRecord(const RunPaths& paths) {
  RunRecord record;
  absl::StatusOr<std::string> text = ReadFile(paths.status);
  google::protobuf::Struct json;
  if (!text.ok() || !google::protobuf::util::JsonStringToMessage(*text, &json).ok()) return record;
  const auto& f = json.fields();
  auto number = [&](const char* key) { return f.count(key) ? f.at(key).number_value() : 0.0; };
  auto string = [&](const char* key) { return f.count(key) ? f.at(key).string_value() : ""; };
  record.state = string("state") == "ok" ? RunState::kSucceeded : RunState::kFailed;
  record.exit.exit_code = static_cast<int>(number("exit_code"));
  record.exit.signal = static_cast<int>(number("signal"));
  record.seconds = number("seconds");
  record.reason = string("reason");
  record.log_tail = string("log_tail");
  return record;
}

std::string Fingerprint(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

bool IsDone(const RunPaths& paths, const std::string& fingerprint) {
  absl::StatusOr<std::string> text = ReadFile(paths.done);
  return text.ok() && *text == fingerprint + "\n";
}

absl::Status MarkDone(const RunPaths& paths, const std::string& fingerprint) {
  return WriteFileAtomic(paths.done, fingerprint + "\n");
}

std::string TailOfFile(const std::string& path, int lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const std::string& l : tail) absl::StrAppend(&out, l, "\n");
  return out;
}

}  // namespace syncline::launch
