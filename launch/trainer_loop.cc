// The Trainer's epoch/step loop, evaluation and output (launch/trainer.h).
#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/loss.h"
#include "launch/trainer.h"

namespace syncline::launch {
namespace {

// Steps excluded from the steady-state throughput (allocation, caches, BLAS
// thread start-up).
constexpr int64_t kWarmupSteps = 10;
// Test examples per forward pass in evaluation.
constexpr int64_t kEvalBatch = 1000;

}  // namespace

bool Trainer::Done() const {
  const int64_t max_steps = config_.train().max_steps();
  return epoch_ >= config_.train().epochs() || (max_steps > 0 && step_ >= max_steps);
}

absl::Status Trainer::Run() {
  start_ = Clock::now();
  if (is_output_rank()) {
    PrintLine(absl::StrFormat(
        "syncline train: %s (%d parameters) on %s (%d train / %d test), %s, %d epochs x %d steps "
        "of %d%s%s",
        config_.model().name(), model_->NumParameterElements(), config_.data().name(),
        data_.train.size(), data_.test.size(), config_.optimizer().name(), config_.train().epochs(),
        steps_per_epoch(), config_.train().batch_size(),
        options_.world_size > 1 ? absl::StrCat(" per rank x ", options_.world_size, " ranks") : "",
        step_ > 0 ? absl::StrCat(", resumed at step ", step_) : ""));
    if (metrics_ != nullptr) {
      core::JsonLine line("config");
      line.Add("step", step_).Add("world_size", options_.world_size)
          .Add("config", config_.ShortDebugString());
      if (absl::Status s = metrics_->Write(line); !s.ok()) return s;
    }
  }
  while (!Done()) {
    absl::StatusOr<float> loss = TrainStep();
    if (!loss.ok()) return loss.status();
    if (step_in_epoch_ >= sampler_->StepsInEpoch(epoch_)) {
      if (absl::Status s = EndEpoch(); !s.ok()) return s;
    } else if (const int n = config_.train().eval_every_steps(); n > 0 && step_ % n == 0) {
      if (absl::Status s = EvaluateAndLog(); !s.ok()) return s;
    }
    const int every = config_.checkpoint().every_steps();
    if (every > 0 && step_ % every == 0) {
      if (absl::Status s = SaveCheckpoint(); !s.ok()) return s;
    }
  }
  return Finish();
}

absl::Status Trainer::AfterStep(float loss, double step_seconds, int64_t batch) {
  if (absl::Status s = LogCompressionChanges(); !s.ok()) return s;
  step_losses_.push_back(loss);
  epoch_loss_sum_ += loss;
  ++epoch_loss_steps_;
  ++steps_this_run_;
  const int64_t samples = batch * options_.world_size;
  window_seconds_ += step_seconds;
  window_samples_ += samples;
  if (steps_this_run_ > kWarmupSteps) {
    steady_seconds_ += step_seconds;
    steady_samples_ += samples;
  }
  // Exponential moving average of the step time, for the ETA.
  mean_step_seconds_ =
      steps_this_run_ == 1 ? step_seconds : 0.95 * mean_step_seconds_ + 0.05 * step_seconds;
  if (!is_output_rank()) return absl::OkStatus();
  if (progress_ != nullptr && progress_->enabled()) {
    progress_->Update(epoch_ + 1, config_.train().epochs(), step_, total_steps_, loss,
                      window_seconds_ > 0 ? window_samples_ / window_seconds_ : 0.0,
                      (total_steps_ - step_) * mean_step_seconds_);
  }
  if (step_ % config_.train().log_every() == 0) return LogTrain(loss);
  return absl::OkStatus();
}

absl::Status Trainer::LogTrain(float loss) {
  const double rate = window_seconds_ > 0 ? window_samples_ / window_seconds_ : 0.0;
  window_seconds_ = 0;
  window_samples_ = 0;
  if (metrics_ == nullptr) return absl::OkStatus();
  core::JsonLine line("train");
  line.Add("step", step_)
      .Add("epoch", epoch_)
      .Add("loss", loss)
      .Add("lr", optimizer_->lr())
      .Add("samples_per_sec", rate)
      .Add("time_s", ElapsedSeconds())
      .Add("bytes_sent", bytes_sent());
  AddCompressionMetrics(&line);
  return metrics_->Write(line);
}

absl::Status Trainer::EndEpoch() {
  const int finished = epoch_;
  const double mean_loss = epoch_loss_steps_ > 0 ? epoch_loss_sum_ / epoch_loss_steps_ : 0.0;
  ++epoch_;
  step_in_epoch_ = 0;
  epoch_loss_sum_ = 0;
  epoch_loss_steps_ = 0;
  const bool last = epoch_ >= config_.train().epochs();
  if (!last && epoch_ % config_.train().eval_every_epochs() != 0) return absl::OkStatus();
  if (absl::Status s = EvaluateAndLog(); !s.ok()) return s;
  PrintLine(absl::StrFormat(
      "epoch %d/%d  step %d  train_loss %.4f  test_accuracy %.4f  test_loss %.4f  %.0f samples/s  "
      "%s",
      finished + 1, config_.train().epochs(), step_, mean_loss, last_eval_.accuracy,
      last_eval_.loss, steady_seconds_ > 0 ? steady_samples_ / steady_seconds_ : 0.0,
      core::FormatDuration(ElapsedSeconds())));
  return absl::OkStatus();
}

absl::Status Trainer::EvaluateAndLog() {
  absl::StatusOr<EvalResult> eval = Evaluate();
  if (!eval.ok()) return eval.status();
  last_eval_ = *eval;
  last_eval_step_ = step_;
  if (metrics_ == nullptr) return absl::OkStatus();
  core::JsonLine line("eval");
  line.Add("step", step_)
      .Add("epoch", epoch_)
      .Add("test_accuracy", eval->accuracy)
      .Add("test_loss", eval->loss)
      .Add("time_s", ElapsedSeconds());
  return metrics_->Write(line);
}

absl::StatusOr<EvalResult> Trainer::Evaluate() {
  const core::Dataset& test = data_.test;
  // Each rank evaluates a contiguous share; the sums are reduced.
  const int64_t begin = test.size() * options_.rank / options_.world_size;
  const int64_t end = test.size() * (options_.rank + 1) / options_.world_size;
  model_->SetTraining(false);
  double loss_sum = 0;
  int64_t correct = 0;
  core::Tensor x, logits;
  std::vector<int32_t> y;
  std::vector<int64_t> indices;
  for (int64_t first = begin; first < end; first += kEvalBatch) {
    indices.clear();
    for (int64_t i = first; i < std::min(end, first + kEvalBatch); ++i) indices.push_back(i);
    core::GatherBatch(test, indices, &x, &y);
    model_->ForwardInto(x, &logits);
    loss_sum += static_cast<double>(core::SoftmaxCrossEntropy(logits, y, nullptr)) *
                static_cast<double>(indices.size());
    correct += core::CountCorrect(logits, y);
  }
  model_->SetTraining(true);
  int64_t count = end - begin;
  if (absl::Status s = ReduceEval(&loss_sum, &correct, &count); !s.ok()) return s;
  EvalResult result;
  result.examples = count;
  result.accuracy = count > 0 ? static_cast<double>(correct) / count : 0.0;
  result.loss = count > 0 ? loss_sum / count : 0.0;
  return result;
}

absl::Status Trainer::ReduceEval(double* loss_sum, int64_t* correct, int64_t* count) {
  // World size 1: the local sums are the totals.
  if (options_.comm == nullptr || options_.comm->size() == 1) return absl::OkStatus();
  // Counts stay exact in fp32 up to 2^24 examples per evaluation.
  float sums[3] = {static_cast<float>(*loss_sum), static_cast<float>(*correct),
                   static_cast<float>(*count)};
  comm::AllreduceOptions o;
  o.timeout = absl::Seconds(config_.comm().timeout_s());
  o.tag = "evaluation sums";
  if (absl::Status s = options_.comm->Allreduce(sums, 3, o); !s.ok()) return s;
  *loss_sum = sums[0];
  *correct = static_cast<int64_t>(sums[1]);
  *count = static_cast<int64_t>(sums[2]);
  return absl::OkStatus();
}

absl::Status Trainer::Finish() {
  if (last_eval_step_ != step_) {
    if (absl::Status s = EvaluateAndLog(); !s.ok()) return s;
  }
  const std::string& dir = config_.checkpoint().dir();
  if (!dir.empty() && last_checkpoint_step_ != step_) {
    if (absl::Status s = SaveCheckpoint(); !s.ok()) return s;
  }
  const double rate = steady_seconds_ > 0 ? steady_samples_ / steady_seconds_
                      : window_seconds_ > 0 ? window_samples_ / window_seconds_
                                            : 0.0;
  if (is_output_rank() && metrics_ != nullptr) {
    core::JsonLine line("final");
    line.Add("step", step_)
        .Add("test_accuracy", last_eval_.accuracy)
        .Add("test_loss", last_eval_.loss)
        .Add("time_s", ElapsedSeconds())
        .Add("samples_per_sec", rate)
        .Add("bytes_sent", bytes_sent());
    AddCompressionMetrics(&line);
    if (absl::Status s = metrics_->Write(line); !s.ok()) return s;
  }
  PrintCompressionSummary();
  PrintLine(absl::StrFormat("done: %d steps in %s, %.0f samples/s (steady state), test_loss %.4f",
                            step_, core::FormatDuration(ElapsedSeconds()), rate, last_eval_.loss));
  PrintLine(absl::StrFormat("test_accuracy: %.4f", last_eval_.accuracy));
  return absl::OkStatus();
}

}  // namespace syncline::launch
