// Trainer set-up and the three pieces of a training step (launch/trainer.h).
#include "launch/trainer.h"

#include <cblas.h>

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "comm/data_parallel.h"
#include "core/checkpoint.h"
#include "core/check.h"
#include "core/loss.h"
#include "launch/config.h"
#include "optim/factory.h"

namespace syncline::launch {

Trainer::Trainer(const proto::ExperimentConfig& config, TrainerOptions options)
    : config_(config), options_(std::move(options)) {}

Trainer::~Trainer() = default;

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const proto::ExperimentConfig& config,
                                                         TrainerOptions options) {
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  std::unique_ptr<Trainer> trainer(new Trainer(config, std::move(options)));
  if (absl::Status s = trainer->Init(); !s.ok()) return s;
  return trainer;
}

absl::Status Trainer::Init() {
  const proto::TrainConfig& train = config_.train();
  const int world = options_.world_size;
  if (options_.rank < 0 || world < 1 || options_.rank >= world) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", options_.rank, " is outside world size ", world));
  }
  // train.world_batch_size, when set, fixes the global batch at every world
  // size: the per-rank batch is derived from it (train.batch_size is ignored).
  if (train.world_batch_size() > 0) {
    if (train.world_batch_size() % world != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("train.world_batch_size (", train.world_batch_size(),
                       ") is not divisible by the world size (", world, ")"));
    }
    config_.mutable_train()->set_batch_size(train.world_batch_size() / world);
  }
  // Threads are process-wide in OpenBLAS; 0 keeps its default (all cores).
  if (train.threads() > 0) openblas_set_num_threads(train.threads());

  data_seed_ = static_cast<uint64_t>(train.seed());
  absl::StatusOr<core::DatasetPair> data = core::LoadDataset(config_.data(), data_seed_);
  if (!data.ok()) return data.status();
  data_ = *std::move(data);
  if (data_.train.size() == 0 || data_.test.size() == 0) {
    return absl::InvalidArgumentError("data: the training or test set is empty");
  }
  sampler_ = std::make_unique<core::ShardedSampler>(data_.train.size(), data_seed_, options_.rank,
                                                    world, train.batch_size());

  absl::StatusOr<std::unique_ptr<core::Model>> model = core::BuildModel(
      config_.model(), data_.train.example_shape(), data_.train.num_classes, data_seed_);
  if (!model.ok()) return model.status();
  model_ = *std::move(model);
  model_->set_compute_input_grad(false);  // training never needs dL/dinput
  model_->SetTraining(true);

  absl::StatusOr<std::unique_ptr<optim::Optimizer>> optimizer =
      optim::CreateOptimizer(config_.optimizer(), model_.get(), options_.comm);
  if (!optimizer.ok()) return optimizer.status();
  optimizer_ = *std::move(optimizer);

  const int64_t all_steps = int64_t{train.epochs()} * sampler_->StepsPerEpoch();
  total_steps_ = train.max_steps() > 0 ? std::min(train.max_steps(), all_steps) : all_steps;
  // optimizer.lr_scaling may scale the base rate to the global batch.
  absl::StatusOr<float> base_lr =
      optim::ScaledBaseLr(config_.optimizer(), int64_t{train.batch_size()} * world);
  if (!base_lr.ok()) return base_lr.status();
  schedule_ = std::make_unique<optim::LrSchedule>(config_.schedule(), *base_lr, total_steps_);
  optimizer_->set_lr(schedule_->LrAt(0));

  if (!options_.resume_path.empty()) {
    absl::StatusOr<std::string> path = core::ResolveCheckpoint(options_.resume_path);
    if (!path.ok()) return absl::Status(path.status().code(), absl::StrCat("--resume: ", path.status().message()));
    if (absl::Status s = LoadCheckpoint(*path); !s.ok()) return s;
  }
  if (absl::Status s = StartDataParallel(); !s.ok()) return s;
  return OpenOutputs();
}

absl::Status Trainer::StartDataParallel() {
  comm::Communicator* comm = options_.comm;
  if (comm == nullptr || comm->size() == 1) return absl::OkStatus();
  comm::DataParallelOptions options;
  options.bucket_mb = config_.comm().bucket_mb();
  options.timeout = absl::Seconds(config_.comm().timeout_s());
  data_parallel_ = std::make_unique<comm::DataParallel>(model_.get(), comm, options);
  // Same model everywhere (names and shapes checked), rank 0's values.
  if (absl::Status s = data_parallel_->Start(); !s.ok()) return s;
  // Rank 0's optimizer state too, fresh or resumed.
  proto::StateProto state;
  optimizer_->SaveState(&state);
  if (absl::Status s = data_parallel_->BroadcastMessage(&state); !s.ok()) return s;
  if (comm->rank() != 0) {
    if (absl::Status s = optimizer_->LoadState(state); !s.ok()) return s;
  }
  return StartCompression(options.timeout);
}

absl::Status Trainer::OpenOutputs() {
  if (!is_output_rank()) return absl::OkStatus();
  const std::string& dir = config_.checkpoint().dir();
  if (!dir.empty()) {
    if (absl::Status s = core::EnsureWritableDirectory(dir); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("checkpoint.dir ", s.message()));
    }
  }
  std::string metrics_path =
      options_.metrics_path.empty() ? config_.logging().metrics_path() : options_.metrics_path;
  if (!metrics_path.empty()) {
    // A resumed run appends, so the file keeps the whole run's history.
    absl::StatusOr<std::unique_ptr<core::MetricsWriter>> writer =
        core::MetricsWriter::Open(metrics_path, /*append=*/!options_.resume_path.empty());
    if (!writer.ok()) return writer.status();
    metrics_ = *std::move(writer);
  }
  progress_ = std::make_unique<core::ProgressLine>(
      !options_.quiet && core::ProgressLine::Enabled(config_.logging().progress()));
  return absl::OkStatus();
}

absl::StatusOr<float> Trainer::TrainStep() {
  Clock::time_point begin = Clock::now();
  std::vector<int64_t> indices = sampler_->Batch(epoch_, step_in_epoch_);
  float loss = ForwardBackward(indices);
  if (absl::Status s = SyncGradients(); !s.ok()) return s;
  optimizer_->set_step_loss(loss);  // MKOR-H's switch rule reads it
  if (absl::Status s = OptimizerStep(); !s.ok()) return s;
  for (const optim::OptimizerEvent& e : optimizer_->TakeEvents()) {
    if (metrics_ == nullptr || !is_output_rank()) continue;
    core::JsonLine line("event");
    line.Add("event", e.name).Add("step", e.step).Add("detail", e.detail).Add("time_s", ElapsedSeconds());
    if (absl::Status s = metrics_->Write(line); !s.ok()) return s;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (absl::Status s = AfterStep(loss, seconds, static_cast<int64_t>(indices.size())); !s.ok()) {
    return s;
  }
  return loss;
}

float Trainer::ForwardBackward(const std::vector<int64_t>& indices) {
  model_->ZeroGrad();
  // Buckets start reducing from the grad-ready hook during Backward; a rank
  // with an empty share still takes part (FinishStep sends its zeros).
  if (data_parallel_ != nullptr) data_parallel_->BeginStep();
  if (indices.empty()) return 0.0f;  // a rank's share of a short last batch
  core::GatherBatch(data_.train, indices, &batch_x_, &batch_y_);
  model_->ForwardInto(batch_x_, &logits_);
  float loss = core::SoftmaxCrossEntropy(logits_, batch_y_, &dlogits_);
  if (options_.world_size > 1) {
    // The loss is a mean over this rank's rows; weight it so that averaging
    // gradients over ranks gives the mean over the global batch.
    const float scale = static_cast<float>(indices.size() * options_.world_size) /
                        static_cast<float>(sampler_->GlobalBatchSize(epoch_, step_in_epoch_));
    for (float& g : dlogits_.vec()) g *= scale;
  }
  model_->BackwardInto(dlogits_, nullptr);
  return loss;
}

absl::Status Trainer::SyncGradients() {
  // World size 1 has nothing to reduce.
  if (data_parallel_ == nullptr) return absl::OkStatus();
  return data_parallel_->FinishStep();
}

absl::Status Trainer::OptimizerStep() {
  optimizer_->set_lr(schedule_->LrAt(step_));
  if (absl::Status s = optimizer_->Step(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("step ", step_ + 1, ": ", s.message()));
  }
  ++step_;
  ++step_in_epoch_;
  return absl::OkStatus();
}

void Trainer::PrintLine(const std::string& line) const {
  if (options_.quiet || !is_output_rank()) return;
  if (progress_ != nullptr) progress_->Clear();
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

double Trainer::ElapsedSeconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

int64_t Trainer::bytes_sent() const {
  return options_.comm != nullptr ? options_.comm->bytes_sent() : 0;
}

}  // namespace syncline::launch
