#include "federated/attack.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/loss.h"

namespace syncline::federated {

ValueRange DataRange(const core::Dataset& data) {
  const auto& v = data.images.vec();
  ValueRange r;
  if (!v.empty()) {
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    r.lo = *mn;
    r.hi = *mx;
  }
  return r;
}

AttackOptions TrainAttack(const proto::RoundConfig& c, const ValueRange& range) {
  if (!c.fal()) return AttackOptions{};
  return ScaleAttack(range, c.fal_epsilon(), c.fal_steps(), c.fal_step_size(), c.fal_rand_init(),
                     c.fal_domain_min(), c.fal_domain_max());
}

AttackOptions ScaleAttack(const ValueRange& range, float epsilon, int steps, float step_size,
                          bool rand_init, float domain_min, float domain_max) {
  const float lo = range.lo, hi = range.hi;
  const float scale = domain_max > domain_min ? (hi - lo) / (domain_max - domain_min) : 1.0f;
  AttackOptions o;
  o.epsilon = epsilon * scale;
  o.step_size = step_size * scale;
  o.steps = steps;
  o.rand_init = rand_init;
  o.lo = lo;
  o.hi = hi;
  return o;
}

core::Tensor Pgd(core::Module* model, const core::Tensor& x, const std::vector<int32_t>& y,
                 const AttackOptions& o, SplitMix64* rng) {
  if (o.epsilon == 0 || o.steps == 0) return x;
  const bool was_training = model->training();
  model->SetTraining(false);
  core::Tensor adv = x;
  float* a = adv.data();
  const float* x0 = x.data();
  const int64_t n = x.numel();
  if (o.rand_init) {
    for (int64_t i = 0; i < n; ++i) {
      const float r = static_cast<float>(2.0 * rng->Uniform() - 1.0) * o.epsilon;
      a[i] = std::clamp(x0[i] + r, o.lo, o.hi);
    }
  }
  core::Tensor dlogits;
  for (int k = 0; k < o.steps; ++k) {
    core::Tensor logits = model->Forward(adv);
    core::SoftmaxCrossEntropy(logits, y, &dlogits);
    core::Tensor g = model->Backward(dlogits);
    const float* gp = g.data();
    for (int64_t i = 0; i < n; ++i) {
      const float s = gp[i] > 0 ? 1.0f : (gp[i] < 0 ? -1.0f : 0.0f);
      float v = a[i] + o.step_size * s;
      v = std::min(std::max(v, x0[i] - o.epsilon), x0[i] + o.epsilon);
      a[i] = std::clamp(v, o.lo, o.hi);
    }
  }
  model->SetTraining(was_training);
  return adv;
}

EvalResult Evaluate(core::Model* model, const core::Dataset& data, int64_t limit,
                    const AttackOptions* attack, int64_t robust_limit, SplitMix64* rng) {
  const bool was_training = model->training();
  model->SetTraining(false);
  const int64_t n = limit > 0 ? std::min(limit, data.size()) : data.size();
  const int64_t rn = attack ? (robust_limit > 0 ? std::min(robust_limit, n) : n) : 0;
  const int64_t batch = 500;
  int64_t correct = 0, robust_correct = 0;
  double loss_sum = 0;
  std::vector<int64_t> idx;
  core::Tensor x;
  std::vector<int32_t> y;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t end = std::min(n, start + batch);
    idx.resize(end - start);
    std::iota(idx.begin(), idx.end(), start);
    core::GatherBatch(data, idx, &x, &y);
    core::Tensor logits = model->Forward(x);
    loss_sum += core::SoftmaxCrossEntropy(logits, y, nullptr) * static_cast<double>(end - start);
    correct += core::CountCorrect(logits, y);
    if (start < rn) {
      const int64_t rend = std::min(rn, end);
      if (rend < end) {
        idx.resize(rend - start);
        core::GatherBatch(data, idx, &x, &y);
      }
      core::Tensor adv = Pgd(model, x, y, *attack, rng);
      robust_correct += core::CountCorrect(model->Forward(adv), y);
    }
  }
  model->ZeroGrad();
  model->SetTraining(was_training);
  EvalResult r;
  r.examples = n;
  r.accuracy = n ? static_cast<double>(correct) / n : 0;
  r.loss = n ? loss_sum / n : 0;
  if (attack) r.robust_accuracy = rn ? static_cast<double>(robust_correct) / rn : 0;
  return r;
}

}  // namespace syncline::federated
