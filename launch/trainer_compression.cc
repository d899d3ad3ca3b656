// Trainer glue for gradient compression (comm/compress): installs the
// compressing bucket reducer into DataParallel, adds compression keys to the
// metrics, logs per-layer setting changes, and keeps the per-rank compressor
// state in checkpoints. Kept apart from the trainer's own files on purpose.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comm/compress/compressed_bucket_reducer.h"
#include "comm/compress/lgreco.h"
#include "comm/compress/rank_state.h"
#include "launch/trainer.h"

namespace syncline::launch {

absl::Status Trainer::StartCompression(absl::Duration timeout) {
  if (config_.compression().method() == "none" || data_parallel_ == nullptr) {
    return absl::OkStatus();
  }
  // start_step 0 (auto) becomes a fraction of this run's steps; the resolved
  // value is what the metrics and checkpoints describe.
  config_.mutable_compression()->set_start_step(
      comm::compress::ResolveStartStep(config_.compression(), total_steps_));
  auto reducer = comm::compress::CompressedBucketReducer::Create(
      config_.compression(), model_.get(), options_.comm, timeout);
  if (!reducer.ok()) return reducer.status();
  compression_ = reducer->get();
  data_parallel_->set_reducer(std::move(*reducer));
  comm::compress::GradientCompressor& gc = compression_->compressor();
  if (resumed_compressor_.has_value()) {
    absl::Status s = comm::compress::LoadRankState(*resumed_compressor_, options_.rank,
                                                  options_.world_size, &gc);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat("--resume: ", s.message()));
  }
  gc.set_next_step(step_);
  PrintLine(absl::StrCat("compression: ", config_.compression().method(),
                         config_.compression().lgreco() ? " + L-GreCo" : "", ", ",
                         gc.num_compressed(), " layers compressed from step ",
                         config_.compression().start_step(), ": ", gc.SettingsString()));
  return absl::OkStatus();
}

void Trainer::AddCompressionMetrics(core::JsonLine* line) const {
  if (compression_ == nullptr) return;
  line->Add("grad_bytes_sent", compression_->bytes_sent())
      .Add("grad_bytes_uncompressed", compression_->dense_bytes())
      .Add("compression_ratio", compression_->compression_ratio());
}

absl::Status Trainer::LogCompressionChanges() {
  if (compression_ == nullptr) return absl::OkStatus();
  std::vector<comm::compress::SettingChange> changes =
      compression_->compressor().TakeSettingChanges();
  if (changes.empty() || metrics_ == nullptr) return absl::OkStatus();
  core::JsonLine line("event");
  line.Add("event", "compression_settings").Add("step", changes.front().step);
  for (const auto& c : changes) line.Add(c.layer, c.to);
  line.Add("settings", compression_->compressor().SettingsString());
  PrintLine(absl::StrCat("L-GreCo at step ", changes.front().step, ": ",
                         compression_->compressor().SettingsString()));
  return metrics_->Write(line);
}

absl::Status Trainer::GatherCompressorState() {
  if (compression_ == nullptr) return absl::OkStatus();
  return comm::compress::GatherRankStates(compression_->compressor(), *options_.comm,
                                          &compressor_state_);
}

void Trainer::PrintCompressionSummary() const {
  if (compression_ == nullptr) return;
  PrintLine(compression_->compressor().Summary());
  PrintLine(absl::StrFormat("gradient traffic: %d B sent vs %d B uncompressed (%.2fx)",
                            compression_->bytes_sent(), compression_->dense_bytes(),
                            compression_->compression_ratio()));
}

}  // namespace syncline::launch
