// Experiment config validation and loading (launch/config.h).
#include "launch/config.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "comm/compress/lgreco.h"
#include "optim/factory.h"
#include "optim/schedule.h"

namespace syncline::launch {
namespace {

using Problems = std::vector<ConfigProblem>;

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void CheckName(const std::string& path, const std::string& value,
               const std::vector<std::string>& known, Problems* out) {
  if (!Contains(known, value)) {
    out->push_back({path, absl::StrCat("unknown '", value, "' (known: ",
                                       absl::StrJoin(known, ", "), ")")});
  }
}

template <typename T>
void CheckAtLeast(const std::string& path, T value, T min, Problems* out) {
  if (!(value >= min)) out->push_back({path, absl::StrCat("must be >= ", min, ", got ", value)});
}

void CheckModel(const proto::ModelConfig& m, Problems* out) {
  CheckName("model.name", m.name(), KnownModelNames(), out);
  for (int h : m.hidden_sizes()) CheckAtLeast("model.hidden_sizes", h, 1, out);
  for (int c : m.conv_channels()) CheckAtLeast("model.conv_channels", c, 1, out);
  if (m.conv_channels_size() != 0 && m.conv_channels_size() != 2) {
    out->push_back({"model.conv_channels",
                    absl::StrCat("needs exactly 2 values (one per conv block), got ",
                                 m.conv_channels_size())});
  }
  CheckAtLeast("model.cnn_hidden", m.cnn_hidden(), 1, out);
  CheckName("model.activation", m.activation(), {"relu", "gelu"}, out);
  if (!(m.dropout() >= 0.0f && m.dropout() < 1.0f)) {
    out->push_back({"model.dropout", absl::StrCat("must be in [0, 1), got ", m.dropout())});
  }
}

void CheckData(const proto::DataConfig& d, Problems* out) {
  CheckName("data.name", d.name(), KnownDataNames(), out);
  if (d.name() == "fashion_mnist" && d.path().empty()) {
    out->push_back({"data.path", "must name the folder holding the IDX .gz files"});
  }
  CheckAtLeast("data.synthetic_train_size", d.synthetic_train_size(), 1, out);
  CheckAtLeast("data.synthetic_test_size", d.synthetic_test_size(), 1, out);
  CheckAtLeast("data.train_limit", d.train_limit(), 0, out);
  CheckAtLeast("data.test_limit", d.test_limit(), 0, out);
}

// Splits an optim validator's "path: message; path: message" into problems.
void AppendOptimProblems(const absl::Status& status, Problems* out) {
  if (status.ok()) return;
  for (absl::string_view item : absl::StrSplit(status.message(), "; ")) {
    size_t colon = item.find(": ");
    if (colon == absl::string_view::npos) {
      out->push_back({"optimizer", std::string(item)});
    } else {
      out->push_back({std::string(item.substr(0, colon)), std::string(item.substr(colon + 2))});
    }
  }
}

// optim/ owns the optimizer and schedule fields; the trainer adds that the
// learning rate must be positive.
void CheckOptimizer(const proto::OptimizerConfig& o, const proto::ScheduleConfig& s,
                    Problems* out) {
  Problems optim;
  AppendOptimProblems(optim::ValidateOptimizerConfig(o), &optim);
  // Names the config schema documents are accepted here even while optim/
  // has not built them yet (sweeps plan over them); CreateOptimizer then
  // names the missing one when a run starts.
  static const std::vector<std::string> kDocumented = {"sgd",  "adamw", "lamb",
                                                       "lars", "mkor",  "mkor_h"};
  if (Contains(kDocumented, o.name())) {
    std::erase_if(optim, [](const ConfigProblem& p) { return p.path == "optimizer.name"; });
  }
  AppendOptimProblems(optim::ValidateScheduleConfig(s), &optim);
  bool lr_reported = false;
  for (const ConfigProblem& p : optim) lr_reported |= p.path == "optimizer.lr";
  if (!lr_reported && (!(o.lr() > 0.0f) || !std::isfinite(o.lr()))) {
    out->push_back({"optimizer.lr", absl::StrCat("must be > 0, got ", o.lr())});
  }
  out->insert(out->end(), optim.begin(), optim.end());
  if (o.lr() > 0.0f && s.min_lr() > o.lr()) {
    out->push_back({"schedule.min_lr", absl::StrCat("must not exceed optimizer.lr (", o.lr(),
                                                    "), got ", s.min_lr())});
  }
}

void CheckTrain(const proto::TrainConfig& t, Problems* out) {
  CheckAtLeast("train.epochs", t.epochs(), 1, out);
  CheckAtLeast("train.batch_size", t.batch_size(), 1, out);
  CheckAtLeast("train.world_batch_size", t.world_batch_size(), 0, out);
  CheckAtLeast("train.log_every", t.log_every(), 1, out);
  CheckAtLeast("train.eval_every_epochs", t.eval_every_epochs(), 1, out);
  CheckAtLeast("train.eval_every_steps", t.eval_every_steps(), 0, out);
  CheckAtLeast("train.max_steps", t.max_steps(), int64_t{0}, out);
  CheckAtLeast("train.threads", t.threads(), 0, out);
}

void CheckOutput(const proto::CheckpointConfig& c, const proto::LoggingConfig& l, Problems* out) {
  CheckAtLeast("checkpoint.every_steps", c.every_steps(), 0, out);
  CheckAtLeast("checkpoint.keep_last", c.keep_last(), 0, out);
  if (c.every_steps() > 0 && c.dir().empty()) {
    out->push_back({"checkpoint.dir", "must be set when checkpoint.every_steps > 0"});
  }
  CheckName("logging.progress", l.progress(), {"auto", "on", "off"}, out);
}

std::string FormatProblems(const std::vector<std::string>& lines) {
  if (lines.size() == 1) return lines[0];
  return absl::StrCat("invalid config (", lines.size(), " problems):\n  ",
                      absl::StrJoin(lines, "\n  "));
}

// True when `path` equals `set_path` or lies inside it (an override of
// "train" covers "train.epochs").
bool Covers(const std::string& set_path, const std::string& path) {
  return path == set_path ||
         (path.size() > set_path.size() && path.compare(0, set_path.size(), set_path) == 0 &&
          path[set_path.size()] == '.');
}

}  // namespace

// Models in core::BuildModel's zoo; keep in step with core/model.cc.
const std::vector<std::string>& KnownModelNames() {
  static const std::vector<std::string> names = {"mlp", "cnn"};
  return names;
}

const std::vector<std::string>& KnownDataNames() {
  static const std::vector<std::string> names = {"fashion_mnist", "synthetic"};
  return names;
}


std::vector<ConfigProblem> FindConfigProblems(const proto::ExperimentConfig& config) {
  Problems out;
  CheckModel(config.model(), &out);
  CheckData(config.data(), &out);
  CheckOptimizer(config.optimizer(), config.schedule(), &out);
  for (const auto& p : comm::compress::FindCompressionProblems(config.compression())) {
    out.push_back({"compression." + p.field, p.message});
  }
  CheckTrain(config.train(), &out);
  CheckOutput(config.checkpoint(), config.logging(), &out);
  return out;
}

absl::Status ValidateConfig(const proto::ExperimentConfig& config) {
  std::vector<std::string> lines;
  for (const ConfigProblem& p : FindConfigProblems(config)) {
    lines.push_back(absl::StrCat(p.path, ": ", p.message));
  }
  if (lines.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(FormatProblems(lines));
}

absl::StatusOr<proto::ExperimentConfig> LoadExperimentConfig(const std::string& path,
                                                             const std::vector<std::string>& sets) {
  proto::ExperimentConfig config;
  google::protobuf::TextFormat::ParseInfoTree info;
  if (absl::Status s = ParseTextProtoFile(path, &config, &info); !s.ok()) return s;
  if (absl::Status s = ApplyOverrides(&config, sets); !s.ok()) return s;
  std::vector<std::string> lines;
  for (const ConfigProblem& p : FindConfigProblems(config)) {
    std::string where;
    for (const std::string& set : sets) {  // the last override of a field wins
      std::string set_path = set.substr(0, set.find('='));
      if (Covers(set_path, p.path)) where = absl::StrCat("--set ", set);
    }
    if (where.empty()) where = FieldLocation(config, info, path, p.path);
    if (where.empty()) where = absl::StrCat(path, " (default value)");
    lines.push_back(absl::StrCat(where, ": ", p.path, ": ", p.message));
  }
  if (lines.empty()) return config;
  return absl::InvalidArgumentError(FormatProblems(lines));
}

}  // namespace syncline::launch
