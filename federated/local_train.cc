#include "federated/local_train.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "core/loss.h"
#include "federated/fedhyper_cl.h"
#include "federated/rng.h"
#include "optim/factory.h"

namespace syncline::federated {
namespace {

// Delta_{t-1} from the task's "delta_prev.<name>" extras; zeros when absent.
absl::StatusOr<Weights> DeltaPrev(const proto::Task& task, const Weights& layout) {
  Weights prev = ZerosLike(layout);
  if (task.extras_size() == 0) return prev;
  Weights extras;
  if (absl::Status s = FromProtos(task.extras(), &extras); !s.ok()) return s;
  for (auto& e : extras) e.name = e.name.substr(e.name.find('.') + 1);
  if (absl::Status s = SameLayout(layout, extras, "task extras delta_prev"); !s.ok()) return s;
  return extras;
}

// Weights minus base, element-wise into *out (same layout).
void Difference(const std::vector<core::Parameter>& params, const Weights& base, Weights* out) {
  for (size_t i = 0; i < params.size(); ++i) {
    const float* y = params[i].value->data();
    const float* x = base[i].value.data();
    float* d = (*out)[i].value.data();
    for (int64_t k = 0, n = base[i].value.numel(); k < n; ++k) d[k] = y[k] - x[k];
  }
}

// Forward + backward of the FAL loss (1 - lambda) CE(x_adv) + lambda CE(x);
// returns the adversarial-batch loss and adds its correct count.
// `before_last_backward` runs just before the step's last Backward (where
// DataParallel's BeginStep goes, so its grad-ready hook sees one backward).
float LossAndGrad(core::Model* model, const core::Tensor& x_in, const core::Tensor& x_clean,
                  const std::vector<int32_t>& y, float clean_weight, int64_t* correct,
                  const std::function<void()>& before_last_backward) {
  core::Tensor dlogits;
  core::Tensor logits = model->Forward(x_in);
  const float loss = core::SoftmaxCrossEntropy(logits, y, &dlogits);
  *correct += core::CountCorrect(logits, y);
  if (clean_weight > 0 && &x_in != &x_clean) {
    for (float& v : dlogits.vec()) v *= 1.0f - clean_weight;
    model->Backward(dlogits);
    core::Tensor clean_logits = model->Forward(x_clean);
    core::SoftmaxCrossEntropy(clean_logits, y, &dlogits);
    for (float& v : dlogits.vec()) v *= clean_weight;
  }
  before_last_backward();
  model->Backward(dlogits);
  return loss;
}

// This rank's contiguous slice [*lo, *hi) of a batch of n examples.
void Slice(const ClientGroup* group, int64_t n, int64_t* lo, int64_t* hi) {
  if (group == nullptr) {
    *lo = 0;
    *hi = n;
    return;
  }
  *lo = n * group->rank() / group->size();
  *hi = n * (group->rank() + 1) / group->size();
}

}  // namespace

absl::StatusOr<LocalResult> TrainLocal(core::Model* model, const proto::OptimizerConfig& optimizer,
                                       const core::Dataset& shard, const proto::Task& task,
                                       int client_id, const ValueRange& range,
                                       ClientGroup* group) {
  const proto::RoundConfig& rc = task.config();
  const std::string who = absl::StrCat("client ", client_id, " round ", task.round(), ": ");
  const std::vector<core::Parameter>& params = model->Parameters();
  const Weights x_t = FromParameters(params);
  LocalResult result;
  result.delta = ZerosLike(x_t);
  result.num_examples = shard.size();
  if (shard.size() == 0) return result;

  proto::OptimizerConfig oc = optimizer;
  oc.set_lr(rc.local_lr());
  auto opt = optim::CreateOptimizer(oc, model, nullptr);
  if (!opt.ok()) return absl::InvalidArgumentError(who + std::string(opt.status().message()));

  std::unique_ptr<ClController> cl;
  if (rc.fedhyper_cl()) {
    auto prev = DeltaPrev(task, x_t);
    if (!prev.ok()) return absl::InvalidArgumentError(who + std::string(prev.status().message()));
    ClOptions o;
    o.growth_cap = rc.cl_growth_cap();
    o.coupling = rc.cl_coupling();
    o.skip_first_batch = rc.cl_skip_first_batch();
    o.beta_min = rc.cl_beta_min();
    o.beta_max = rc.cl_beta_max();
    o.num_sampled = std::max(1, rc.num_sampled());
    cl = std::make_unique<ClController>(o, std::move(*prev));
  }

  const AttackOptions attack = TrainAttack(rc, range);
  const uint64_t stream_index = RoundClientIndex(task.round(), client_id);
  SplitMix64 data_rng = Stream(rc.seed(), StreamTag::kClientData, stream_index);
  SplitMix64 attack_rng = Stream(rc.seed(), StreamTag::kAttack, stream_index);
  const int64_t n = shard.size();
  const int64_t batch = std::max(1, rc.local_batch());
  const int64_t steps_per_epoch = (n + batch - 1) / batch;
  const int64_t total_steps =
      rc.local_steps() > 0 ? rc.local_steps() : std::max(1, rc.local_epochs()) * steps_per_epoch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);

  Weights before, step_delta;
  if (cl) step_delta = ZerosLike(x_t);
  core::Tensor x;
  std::vector<int32_t> y;
  std::vector<int64_t> idx;
  const uint64_t example_elems = static_cast<uint64_t>(shard.images.numel() / n);
  const bool attacked = attack.epsilon != 0 && attack.steps != 0;
  comm::DataParallel* dp = group ? group->data_parallel() : nullptr;
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  model->SetTraining(true);
  for (int64_t s = 0; s < total_steps; ++s) {
    const int64_t pos = (s % steps_per_epoch) * batch;
    if (pos == 0) {
      Shuffle(&data_rng, &order);
      if (cl) cl->StartEpoch();
    }
    const int64_t batch_n = std::min(n, pos + batch) - pos;
    int64_t lo = 0, hi = 0;
    Slice(group, batch_n, &lo, &hi);
    // The attack's random start for this slice is its part of the batch's draw.
    SplitMix64 slice_rng = attack_rng;
    if (attacked && attack.rand_init) {
      slice_rng.Skip(static_cast<uint64_t>(lo) * example_elems);
      attack_rng.Skip(static_cast<uint64_t>(batch_n) * example_elems);
    }
    const float weight = static_cast<float>(hi - lo) * (group ? group->size() : 1) / batch_n;
    auto begin_step = [&] {
      if (dp) dp->BeginStep(weight);
    };
    if (hi > lo) {
      idx.assign(order.begin() + pos + lo, order.begin() + pos + hi);
      core::GatherBatch(shard, idx, &x, &y);
      core::Tensor adv = Pgd(model, x, y, attack, &slice_rng);
      model->SetTraining(true);
      model->ZeroGrad();
      loss_sum += LossAndGrad(model, attacked ? adv : x, x, y, rc.fal_clean_weight(), &correct,
                              begin_step) *
                  static_cast<double>(idx.size());
      seen += static_cast<int64_t>(idx.size());
    } else {  // fewer examples than ranks: this rank contributes zeros
      model->ZeroGrad();
      begin_step();
    }
    if (dp) {
      if (absl::Status st = dp->FinishStep(); !st.ok()) {
        return absl::AbortedError(absl::StrCat(who, "local step ", s, ": ", st.message()));
      }
    }
    if (rc.fedprox_mu() > 0) {
      for (size_t i = 0; i < params.size(); ++i) {
        float* g = params[i].grad->data();
        const float* w = params[i].value->data();
        const float* w0 = x_t[i].value.data();
        for (int64_t k = 0, m = x_t[i].value.numel(); k < m; ++k) g[k] += rc.fedprox_mu() * (w[k] - w0[k]);
      }
    }
    (*opt)->set_lr(static_cast<float>(rc.local_lr() * (cl ? cl->beta() : 1.0)));
    if (cl) before = FromParameters(params);
    if (absl::Status st = (*opt)->Step(); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(who, "local step ", s, ": ", st.message()));
    }
    if (cl) {
      Difference(params, before, &step_delta);
      cl->AfterStep(step_delta);
    }
  }
  if (group) {
    double sums[3] = {loss_sum, static_cast<double>(correct), static_cast<double>(seen)};
    if (absl::Status st = group->SumDoubles(sums, 3); !st.ok()) {
      return absl::AbortedError(absl::StrCat(who, st.message()));
    }
    loss_sum = sums[0];
    correct = static_cast<int64_t>(sums[1]);
    seen = static_cast<int64_t>(sums[2]);
  }
  Difference(params, x_t, &result.delta);
  result.metrics["train_loss"] = loss_sum / std::max<int64_t>(1, seen);
  result.metrics["train_accuracy"] = static_cast<double>(correct) / std::max<int64_t>(1, seen);
  result.metrics["local_steps"] = static_cast<double>(total_steps);
  if (cl) result.metrics["cl_beta"] = cl->beta();
  return result;
}

}  // namespace syncline::federated
