// Experiment configs: protobuf text format files plus `--set path=value`
// overrides, validated once before any work starts.
//
// Precedence: field defaults < config file < --set overrides (in order given).
// Every error is one line naming where the problem is:
//   "run.textproto:14:5: train.batch_size: must be >= 1, got 0"
//   "--set optimizer.lr=abc: cannot parse 'abc' as float for optimizer.lr"
// ParseTextProtoFile and SetField work on any message type (sweep and
// federated configs reuse them).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "syncline/config.pb.h"

namespace syncline::launch {

// Parses a text-format message from `path` into *msg (cleared first). Errors
// are "FILE:LINE:COL: message" with 1-based line and column; a syntax or type
// error also names the field being parsed. When `info` is non-null it receives
// field locations for later errors (see FieldLocation).
absl::Status ParseTextProtoFile(const std::string& path, google::protobuf::Message* msg,
                                google::protobuf::TextFormat::ParseInfoTree* info = nullptr);

// Same for text already in memory; `name` stands for the file in messages.
absl::Status ParseTextProto(const std::string& text, const std::string& name,
                            google::protobuf::Message* msg,
                            google::protobuf::TextFormat::ParseInfoTree* info = nullptr);

// Sets one field by dotted path ("train.epochs", "optimizer.lr"). Scalars,
// bools (true/false/1/0), enums (by name or number) and strings; a repeated
// scalar field takes a comma list ("model.hidden_sizes" = "256,128"; empty
// clears it). Intermediate messages are created. An unknown path, a
// partially parsed or out-of-range number, or a field that cannot be set this
// way (map, repeated message) is InvalidArgument naming the path.
absl::Status SetField(google::protobuf::Message* msg, const std::string& path,
                      const std::string& value);

// Applies "path=value" strings in order; errors are prefixed "--set <arg>: ".
absl::Status ApplyOverrides(google::protobuf::Message* msg, const std::vector<std::string>& sets);

// One problem found by validation: the dotted field path at fault and what
// is wrong with it.
struct ConfigProblem {
  std::string path;
  std::string message;
};

// Every problem in the merged config (empty when valid).
std::vector<ConfigProblem> FindConfigProblems(const proto::ExperimentConfig& config);

// OK, or InvalidArgument listing every problem as "path: message", joined by "; ".
absl::Status ValidateConfig(const proto::ExperimentConfig& config);

// The file, then each "path=value" override, then validation. Problems with
// fields set in the file carry its FILE:LINE:COL; with fields from --set, the
// override.
absl::StatusOr<proto::ExperimentConfig> LoadExperimentConfig(const std::string& path,
                                                             const std::vector<std::string>& sets);

// "FILE:LINE:COL" of the field at dotted `path` as recorded in `info`, or ""
// when the file did not set it.
std::string FieldLocation(const google::protobuf::Message& msg,
                          const google::protobuf::TextFormat::ParseInfoTree& info,
                          const std::string& file, const std::string& path);

// Names the trainer accepts. Optimizer and schedule names and fields are
// checked by optim::ValidateOptimizerConfig / ValidateScheduleConfig.
const std::vector<std::string>& KnownModelNames();
const std::vector<std::string>& KnownDataNames();

}  // namespace syncline::launch
