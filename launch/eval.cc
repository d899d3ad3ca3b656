// `syncline eval`: test accuracy and loss of a checkpoint.
#include <cstdio>

#include "core/checkpoint.h"
#include "launch/config.h"
#include "launch/flags.h"
#include "launch/subcommands.h"
#include "launch/trainer.h"

namespace syncline::launch {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "syncline eval: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int RunEval(const Args& args) {
  std::string config_path, checkpoint, metrics;
  std::vector<std::string> sets;
  FlagSet flags("syncline eval --config F --checkpoint C [--set path=value ...]");
  flags.Required("config", &config_path, "experiment config the checkpoint was trained with");
  flags.Required("checkpoint", &checkpoint, "checkpoint file, or a folder (its newest ckpt-*.pb)");
  flags.Repeated("set", &sets, "override one field, e.g. --set data.path=/data/fmnist");
  flags.String("metrics", &metrics, "append a JSON \"eval\" line here");
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "syncline eval: %s\n%s", std::string(s.message()).c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  // Evaluation writes nothing but the optional metrics line.
  sets.insert(sets.end(), {"checkpoint.dir=", "checkpoint.every_steps=0", "logging.metrics_path="});
  absl::StatusOr<proto::ExperimentConfig> config = LoadExperimentConfig(config_path, sets);
  if (!config.ok()) return Fail(config.status());
  TrainerOptions options;
  options.resume_path = checkpoint;
  options.quiet = true;
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(*config, options);
  if (!trainer.ok()) return Fail(trainer.status());
  absl::StatusOr<EvalResult> result = (*trainer)->Evaluate();
  if (!result.ok()) return Fail(result.status());
  if (!metrics.empty()) {
    absl::StatusOr<std::unique_ptr<core::MetricsWriter>> writer =
        core::MetricsWriter::Open(metrics, /*append=*/true);
    if (!writer.ok()) return Fail(writer.status());
    core::JsonLine line("eval");
    line.Add("step", (*trainer)->global_step())
        .Add("epoch", (*trainer)->epoch())
        .Add("test_accuracy", result->accuracy)
        .Add("test_loss", result->loss)
        .Add("time_s", 0.0);
    if (absl::Status s = (*writer)->Write(line); !s.ok()) return Fail(s);
  }
  std::printf("checkpoint step %lld: %lld test examples\ntest_loss: %.4f\ntest_accuracy: %.4f\n",
              static_cast<long long>((*trainer)->global_step()),
              static_cast<long long>(result->examples), result->loss, result->accuracy);
  return 0;
}

}  // namespace syncline::launch
