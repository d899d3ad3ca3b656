// FAL attack generator and evaluation (fal.md sections 3-4).
//
// Attacks run in pixel space [domain_min, domain_max]; when the dataset is
// normalised (x' = (x - mean) / std), ScaleAttack() maps epsilon, step and
// domain into the model's input space with the same affine map, so epsilon
// keeps its pixel meaning.
#pragma once

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/model.h"
#include "federated/rng.h"
#include "syncline/federated.pb.h"

namespace syncline::federated {

struct AttackOptions {
  float epsilon = 0;  // l_inf radius (input space)
  int steps = 0;
  float step_size = 0;
  bool rand_init = true;
  float lo = 0, hi = 1;  // input-space domain
};

// Smallest and largest input value in `data` (the images of the pixel domain).
struct ValueRange {
  float lo = 0, hi = 1;
};
ValueRange DataRange(const core::Dataset& data);

// Pixel-space settings mapped into input space: domain_min/max -> range.lo/hi.
AttackOptions ScaleAttack(const ValueRange& range, float epsilon, int steps, float step_size,
                          bool rand_init, float domain_min, float domain_max);
// The training attack a round config asks for (epsilon 0 when FAL is off).
AttackOptions TrainAttack(const proto::RoundConfig& config, const ValueRange& range);

// l_inf PGD: random start (if rand_init, drawn from rng), `steps` signed
// gradient steps on the mean CE, each followed by projection onto the
// epsilon-ball and clamping to [lo, hi]. epsilon == 0 or steps == 0 returns x
// untouched without drawing from rng. The model runs in eval mode during the
// attack and its training flag is restored. The attack's backward passes ADD
// into parameter gradients; callers zero them before the training backward.
core::Tensor Pgd(core::Module* model, const core::Tensor& x, const std::vector<int32_t>& y,
                 const AttackOptions& options, SplitMix64* rng);

struct EvalResult {
  double accuracy = 0;
  double loss = 0;
  double robust_accuracy = -1;  // < 0: not measured
  int64_t examples = 0;
};

// Clean accuracy/loss over the first `limit` examples (0 = all); robust
// accuracy too when `attack` is non-null (over the first `robust_limit`).
EvalResult Evaluate(core::Model* model, const core::Dataset& data, int64_t limit,
                    const AttackOptions* attack, int64_t robust_limit, SplitMix64* rng);

}  // namespace syncline::federated
