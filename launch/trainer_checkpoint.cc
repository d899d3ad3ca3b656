// Trainer checkpoints: what a bit-identical resume needs (launch/trainer.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/checkpoint.h"
#include "launch/trainer.h"

namespace syncline::launch {
namespace {

constexpr char kModelRngCounter[] = "model_rng_counter";

absl::Status Annotate(const absl::Status& s, const std::string& path) {
  return absl::Status(s.code(), absl::StrCat("checkpoint ", path, ": ", s.message()));
}

}  // namespace

proto::Checkpoint Trainer::MakeCheckpoint() const {
  proto::Checkpoint ckpt;
  ckpt.set_step(step_);
  ckpt.set_epoch(epoch_);
  ckpt.set_step_in_epoch(step_in_epoch_);
  ckpt.set_samples_in_epoch(sampler_->SamplesBefore(epoch_, step_in_epoch_));
  ckpt.set_data_seed(static_cast<int64_t>(data_seed_));
  ckpt.set_world_size(options_.world_size);
  core::SaveParameters(model_->Parameters(), &ckpt);
  optimizer_->SaveState(ckpt.mutable_optimizer());
  // The dropout masks of the next forward depend only on this counter.
  (*ckpt.mutable_rng()->mutable_scalars())[kModelRngCounter] =
      static_cast<double>(model_->rng_counter());
  ckpt.set_config_text(config_.DebugString());
  if (compression_ != nullptr) *ckpt.mutable_compressor() = compressor_state_;
  return ckpt;
}

absl::Status Trainer::SaveCheckpoint() {
  last_checkpoint_step_ = step_;
  if (absl::Status s = GatherCompressorState(); !s.ok()) return s;
  if (!is_output_rank()) return absl::OkStatus();
  const std::string& dir = config_.checkpoint().dir();
  const std::string path = core::CheckpointPath(dir, step_);
  if (absl::Status s = core::WriteProtoAtomically(MakeCheckpoint(), path); !s.ok()) {
    return Annotate(s, path);
  }
  return core::PruneCheckpoints(dir, config_.checkpoint().keep_last());
}

absl::Status Trainer::LoadCheckpoint(const std::string& path) {
  proto::Checkpoint ckpt;
  if (absl::Status s = core::ReadProtoFile(path, &ckpt); !s.ok()) return s;
  // Where the saved run was in its epoch, in examples (checkpoints from
  // before samples_in_epoch existed were saved at this global batch).
  const int64_t global_batch = int64_t{config_.train().batch_size()} * options_.world_size;
  const int64_t samples = ckpt.has_samples_in_epoch()
                              ? ckpt.samples_in_epoch()
                              : std::min(ckpt.step_in_epoch() * global_batch, data_.train.size());
  if (ckpt.step() < 0 || ckpt.epoch() < 0 || ckpt.step_in_epoch() < 0 || samples < 0 ||
      samples > data_.train.size()) {
    return Annotate(absl::InvalidArgumentError(absl::StrCat(
                        "position epoch ", ckpt.epoch(), " step ", ckpt.step_in_epoch(), " (",
                        samples, " examples) does not fit the ", data_.train.size(),
                        "-example training set (was the data changed?)")),
                    path);
  }
  if (absl::Status s = core::LoadParameters(ckpt, model_->Parameters()); !s.ok()) {
    return Annotate(s, path);
  }
  if (absl::Status s = optimizer_->LoadState(ckpt.optimizer()); !s.ok()) return Annotate(s, path);
  auto counter = ckpt.rng().scalars().find(kModelRngCounter);
  if (counter != ckpt.rng().scalars().end()) {
    model_->set_rng_counter(static_cast<uint64_t>(counter->second));
  }
  if (ckpt.has_compressor()) resumed_compressor_ = ckpt.compressor();
  step_ = ckpt.step();
  epoch_ = ckpt.epoch();
  // Data order continues from the checkpoint's seed even if train.seed changed.
  if (static_cast<uint64_t>(ckpt.data_seed()) != data_seed_) {
    data_seed_ = static_cast<uint64_t>(ckpt.data_seed());
    sampler_ = std::make_unique<core::ShardedSampler>(data_.train.size(), data_seed_,
                                                      options_.rank, options_.world_size,
                                                      config_.train().batch_size());
  }
  // Continue at the same example of the epoch, whatever the world size: on a
  // global-batch boundary by step count, else by starting the epoch there.
  if (samples % global_batch == 0 || samples == data_.train.size()) {
    step_in_epoch_ = (samples + global_batch - 1) / global_batch;
  } else {
    sampler_->StartEpochAt(epoch_, samples);
    step_in_epoch_ = 0;
  }
  optimizer_->set_lr(schedule_->LrAt(step_));
  last_checkpoint_step_ = step_;
  return absl::OkStatus();
}

}  // namespace syncline::launch
