// Trainer: one training run from an ExperimentConfig — data, model,
// optimizer, schedule, the epoch/step loop, evaluation, metrics and
// checkpoints.
//
// A training step is three pieces so the data-parallel engine can hook in:
//   ForwardBackward(indices)  local loss and gradients of this rank's batch
//   SyncGradients()           averages gradients across ranks (no-op at world size 1)
//   OptimizerStep()           sets the scheduled lr and updates the parameters
// Rank 0 alone prints progress, writes metrics and checkpoints. Position
// (epoch, step in epoch, global step) counts global steps, identical on every rank.
//
// Determinism: given the same config, a run resumed from a checkpoint
// produces bit-identical per-step losses to an uninterrupted run (data order
// is recomputed from (seed, epoch), dropout masks from the model's rng
// counter, and the optimizer restores every buffer).
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "comm/data_parallel.h"
#include "comm/compress/compressed_bucket_reducer.h"
#include "core/data/dataset.h"
#include "core/data/sampler.h"
#include "core/metrics.h"
#include "core/model.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "syncline/checkpoint.pb.h"
#include "syncline/config.pb.h"

namespace syncline::launch {

struct TrainerOptions {
  int rank = 0;
  int world_size = 1;
  // Null for a single process. Not owned; must outlive the Trainer.
  comm::Communicator* comm = nullptr;
  // Overrides logging.metrics_path when non-empty.
  std::string metrics_path;
  // Checkpoint file, or a folder whose newest ckpt-*.pb is used.
  std::string resume_path;
  // Suppresses all human output on stdout (tests).
  bool quiet = false;
};

struct EvalResult {
  double accuracy = 0;  // fraction 0..1
  double loss = 0;      // mean cross-entropy
  int64_t examples = 0;
};

class Trainer {
 public:
  // Validates the config, sets BLAS threads, loads data, builds the model and
  // optimizer, checks that the checkpoint folder and metrics file are
  // writable, and resumes when options.resume_path is set. Every failure here
  // happens before the first step.
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const proto::ExperimentConfig& config,
                                                         TrainerOptions options);
  ~Trainer();

  // Trains from the current position to the end (all epochs, or max_steps),
  // evaluating, logging and checkpointing as configured, then evaluates once
  // more and writes the "final" metrics line.
  absl::Status Run();

  // Test-set accuracy and loss of the current parameters (eval mode).
  absl::StatusOr<EvalResult> Evaluate();

  // One full step at the current position; advances it. Returns the local loss.
  absl::StatusOr<float> TrainStep();
  float ForwardBackward(const std::vector<int64_t>& indices);
  absl::Status SyncGradients();
  absl::Status OptimizerStep();

  absl::Status SaveCheckpoint();
  absl::Status LoadCheckpoint(const std::string& path);
  // The checkpoint message for the current state (rank 0 writes it).
  proto::Checkpoint MakeCheckpoint() const;

  // Loss of every step this Trainer ran, in order (resumed runs start at the
  // resume point).
  const std::vector<float>& step_losses() const { return step_losses_; }
  int64_t global_step() const { return step_; }
  int epoch() const { return epoch_; }
  int64_t step_in_epoch() const { return step_in_epoch_; }
  // Steps of a whole epoch at this world size and batch.
  int64_t steps_per_epoch() const { return sampler_->StepsPerEpoch(); }
  int64_t total_steps() const { return total_steps_; }
  core::Model& model() { return *model_; }
  optim::Optimizer& optimizer() { return *optimizer_; }
  const core::DatasetPair& data() const { return data_; }
  const proto::ExperimentConfig& config() const { return config_; }
  const TrainerOptions& options() const { return options_; }
  bool is_output_rank() const { return options_.rank == 0; }

 private:
  using Clock = std::chrono::steady_clock;

  Trainer(const proto::ExperimentConfig& config, TrainerOptions options);
  absl::Status Init();
  absl::Status OpenOutputs();
  // Verifies the model across ranks and broadcasts rank 0's parameters and
  // optimizer state (no-op at world size 1).
  absl::Status StartDataParallel();
  // Gradient compression (launch/trainer_compression.cc): installs the
  // compressing bucket reducer when compression.method != none and world size > 1.
  absl::Status StartCompression(absl::Duration timeout);
  void AddCompressionMetrics(core::JsonLine* line) const;
  absl::Status LogCompressionChanges();
  // Collective: every rank contributes its compressor state; rank 0 keeps it for the checkpoint.
  absl::Status GatherCompressorState();
  void PrintCompressionSummary() const;
  bool Done() const;
  absl::Status AfterStep(float loss, double step_seconds, int64_t batch);
  absl::Status EndEpoch();
  absl::Status LogTrain(float loss);
  absl::Status EvaluateAndLog();
  absl::Status Finish();
  // Sums per-rank eval counts across ranks (no-op at world size 1).
  absl::Status ReduceEval(double* loss_sum, int64_t* correct, int64_t* count);
  void PrintLine(const std::string& line) const;
  double ElapsedSeconds() const;
  int64_t bytes_sent() const;

  proto::ExperimentConfig config_;
  TrainerOptions options_;
  core::DatasetPair data_;
  std::unique_ptr<core::ShardedSampler> sampler_;
  std::unique_ptr<core::Model> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  // Present when options_.comm has more than one rank.
  std::unique_ptr<comm::DataParallel> data_parallel_;
  // Owned by data_parallel_; null without compression.
  comm::compress::CompressedBucketReducer* compression_ = nullptr;
  proto::StateProto compressor_state_;
  // The checkpoint's compressor state, loaded once compression is set up.
  std::optional<proto::StateProto> resumed_compressor_;
  std::unique_ptr<optim::LrSchedule> schedule_;
  std::unique_ptr<core::MetricsWriter> metrics_;
  std::unique_ptr<core::ProgressLine> progress_;
  uint64_t data_seed_ = 0;

  // Position: epoch_ and step_in_epoch_ name the NEXT step to run; step_ is
  // the number of optimizer steps taken.
  int epoch_ = 0;
  int64_t step_in_epoch_ = 0;
  int64_t step_ = 0;
  int64_t total_steps_ = 0;
  int64_t last_checkpoint_step_ = -1;
  int64_t last_eval_step_ = -1;
  EvalResult last_eval_;

  // Step buffers, reused every step.
  core::Tensor batch_x_, logits_, dlogits_;
  std::vector<int32_t> batch_y_;
  std::vector<float> step_losses_;

  // Throughput bookkeeping (training time only, excludes eval/checkpoints).
  Clock::time_point start_;
  double epoch_loss_sum_ = 0;
  int64_t epoch_loss_steps_ = 0;
  double window_seconds_ = 0;
  int64_t window_samples_ = 0;
  double steady_seconds_ = 0;
  int64_t steady_samples_ = 0;
  int64_t steps_this_run_ = 0;
  double mean_step_seconds_ = 0;
};

}  // namespace syncline::launch
