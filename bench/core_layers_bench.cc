// Forward + softmax cross-entropy + backward (+ ZeroGrad) per batch for the
// zoo's mlp and cnn at batch 128, and the heaviest layers alone. The PyTorch
// peer is bench/torch_core_layers.py; bench/core_layers_bench.sh runs both
// in one go and prints the ratios. Threads: $SYNCLINE_BENCH_THREADS (2).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/layers/conv2d.h"
#include "core/layers/linear.h"
#include "core/loss.h"
#include "core/model.h"
#include "core/random.h"

namespace syncline::core {
namespace {

constexpr int64_t kBatch = 128;

Tensor RandomBatch(Shape shape, uint64_t seed) {
  Tensor x(std::move(shape));
  SplitMix64 rng(seed);
  for (float& v : x.vec()) v = rng.Normal();
  return x;
}

// One model per name for the whole process, so Google Benchmark's repeated
// runs measure steady-state steps, not first-touch of fresh buffers.
Model* CachedModel(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Model>> models;
  std::unique_ptr<Model>& m = models[name];
  if (m == nullptr) {
    proto::ModelConfig config;
    config.set_name(name);
    m = *BuildModel(config, {1, 28, 28}, 10, 1);
    m->set_compute_input_grad(false);  // as in training (PyTorch skips it too)
  }
  return m.get();
}

void ModelStep(benchmark::State& state, const std::string& name) {
  Model* model = CachedModel(name);
  Tensor x = RandomBatch({kBatch, 1, 28, 28}, 2);
  std::vector<int32_t> labels(kBatch);
  for (int64_t i = 0; i < kBatch; ++i) labels[i] = static_cast<int32_t>(i % 10);
  Tensor logits, dlogits;
  auto step = [&] {
    model->ZeroGrad();
    model->ForwardInto(x, &logits);
    benchmark::DoNotOptimize(SoftmaxCrossEntropy(logits, labels, &dlogits));
    model->BackwardInto(dlogits, nullptr);
  };
  for (int i = 0; i < 3; ++i) step();  // warm-up: first-touch of the buffers
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_MlpStep(benchmark::State& state) { ModelStep(state, "mlp"); }
void BM_CnnStep(benchmark::State& state) { ModelStep(state, "cnn"); }

void LayerStep(benchmark::State& state, Module* layer, const Shape& in_shape) {
  Tensor x = RandomBatch(in_shape, 3), y, dx;
  layer->ForwardInto(x, &y);
  Tensor dy = RandomBatch(y.shape(), 4);
  layer->BackwardInto(dy, &dx);  // warm-up
  for (auto _ : state) {
    layer->ForwardInto(x, &y);
    layer->BackwardInto(dy, &dx);
  }
}

void BM_Conv1(benchmark::State& state) {
  Conv2d conv(1, 32, 3, 1, 1, true, 1);
  LayerStep(state, &conv, {kBatch, 1, 28, 28});
}
void BM_Conv2(benchmark::State& state) {
  Conv2d conv(32, 64, 3, 1, 1, true, 1);
  LayerStep(state, &conv, {kBatch, 32, 14, 14});
}
void BM_Fc784x512(benchmark::State& state) {
  Linear fc(784, 512, true, 1);
  LayerStep(state, &fc, {kBatch, 784});
}

BENCHMARK(BM_MlpStep)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CnnStep)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Conv2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Fc784x512)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace syncline::core

int main(int argc, char** argv) {
  const char* env = std::getenv("SYNCLINE_BENCH_THREADS");
  openblas_set_num_threads(env != nullptr ? std::atoi(env) : 2);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
