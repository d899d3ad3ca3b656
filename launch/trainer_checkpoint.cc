// Trainer checkpoints: what a bit-identical resume needs (launch/trainer.h).
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
  if (ckpt.step() < 0 || ckpt.epoch() < 0 || ckpt.step_in_epoch() < 0 ||
      ckpt.step_in_epoch() > steps_per_epoch()) {
    return Annotate(absl::InvalidArgumentError(absl::StrCat(
                        "position epoch ", ckpt.epoch(), " step ", ckpt.step_in_epoch(),
                        " does not fit ", steps_per_epoch(), " steps per epoch (was the batch "
                        "size or world size changed?)")),
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
  has_resumed_compressor_ = ckpt.has_compressor();
  if (has_resumed_compressor_) resumed_compressor_ = ckpt.compressor();
  step_ = ckpt.step();
  epoch_ = ckpt.epoch();
  step_in_epoch_ = ckpt.step_in_epoch();
  // Data order continues from the checkpoint's seed even if train.seed changed.
  if (static_cast<uint64_t>(ckpt.data_seed()) != data_seed_) {
    data_seed_ = static_cast<uint64_t>(ckpt.data_seed());
    sampler_ = std::make_unique<core::ShardedSampler>(data_.train.size(), data_seed_,
                                                      options_.rank, options_.world_size,
                                                      config_.train().batch_size());
  }
  optimizer_->set_lr(schedule_->LrAt(step_));
  last_checkpoint_step_ = step_;
  return absl::OkStatus();
}

}  // namespace syncline::launch
