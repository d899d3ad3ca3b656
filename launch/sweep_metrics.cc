#include "launch/sweep_metrics.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace syncline::launch {
namespace {

using Fields = google::protobuf::Map<std::string, google::protobuf::Value>;

double Number(const Fields& fields, const char* key) {
  auto it = fields.find(key);
  if (it == fields.end() || it->second.kind_case() != google::protobuf::Value::kNumberValue) {
    return RunMetrics::kMissing;
  }
  return it->second.number_value();
}

CurvePoint Point(const Fields& fields, const char* key) {
  return {Number(fields, "step"), Number(fields, "time_s"), Number(fields, key)};
}

void NoteAccuracy(const CurvePoint& point, double target, RunMetrics* m) {
  if (target > 0 && std::isnan(m->time_to_target_s) && point.value >= target) {
    m->time_to_target_s = point.time_s;
  }
}

void AddLine(const Fields& fields, double target, RunMetrics* m) {
  auto kind = fields.find("kind");
  if (kind == fields.end()) return;
  const std::string& k = kind->second.string_value();
  if (k == "train") {
    CurvePoint loss = Point(fields, "loss");
    if (!std::isnan(loss.value)) {
      m->train_loss.push_back(loss);
      m->last_train_loss = loss.value;
    }
  } else if (k == "eval") {
    CurvePoint acc = Point(fields, "test_accuracy");
    if (!std::isnan(acc.value)) {
      m->test_accuracy.push_back(acc);
      NoteAccuracy(acc, target, m);
    }
    CurvePoint loss = Point(fields, "test_loss");
    if (!std::isnan(loss.value)) m->test_loss.push_back(loss);
  } else if (k == "round") {
    // Federated server lines: the round number stands in for the step.
    CurvePoint acc = {Number(fields, "round"), Number(fields, "time_s"),
                      Number(fields, "test_accuracy")};
    if (!std::isnan(acc.value)) {
      m->test_accuracy.push_back(acc);
      NoteAccuracy(acc, target, m);
      ++m->rounds;
    }
  } else if (k == "final") {
    m->has_final = true;
    m->step = Number(fields, "step");
    m->final_accuracy = Number(fields, "test_accuracy");
    m->final_test_loss = Number(fields, "test_loss");
    m->time_s = Number(fields, "time_s");
    m->samples_per_sec = Number(fields, "samples_per_sec");
    m->bytes_sent = Number(fields, "bytes_sent");
    if (!std::isnan(m->final_accuracy)) NoteAccuracy(Point(fields, "test_accuracy"), target, m);
  }
}

}  // namespace

absl::StatusOr<RunMetrics> ReadRunMetrics(const std::string& path, double target_accuracy) {
  RunMetrics metrics;
  std::ifstream in(path);
  if (!in) return metrics;
  std::string line;
  absl::Status bad_line;  // a torn last line (run killed mid-write) is forgiven
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!bad_line.ok()) return bad_line;
    google::protobuf::Struct object;
    auto status = google::protobuf::util::JsonStringToMessage(line, &object);
    if (!status.ok()) {
      bad_line = absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": not a JSON object: ", status.message().ToString()));
      continue;
    }
    AddLine(object.fields(), target_accuracy, &metrics);
  }
  if (!metrics.has_final && metrics.rounds > 0) {  // a federated server's last round is its result
    const CurvePoint& last = metrics.test_accuracy.back();
    metrics.has_final = true;
    metrics.step = last.step;
    metrics.final_accuracy = last.value;
    metrics.time_s = last.time_s;
  }
  return metrics;
}

}  // namespace syncline::launch
