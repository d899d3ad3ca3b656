// L-GreCo's per-layer candidate sets, error tables and solve
// (specs/lgreco.md sections 1, 4, 5). The schedule (when to accumulate,
// when to solve, the broadcast) lives in GradientCompressor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "comm/compress/compressor.h"
#include "comm/compress/knapsack.h"
#include "core/tensor.h"
#include "syncline/compression_config.pb.h"

namespace syncline::comm::compress {

// One invalid field: path relative to the CompressionConfig ("qsgd_bits").
struct CompressionProblem {
  std::string field;
  std::string message;
};
std::vector<CompressionProblem> FindCompressionProblems(const proto::CompressionConfig& config);
// All problems in one message, each naming its field ("compression.qsgd_bits: ...").
absl::Status ValidateCompressionConfig(const proto::CompressionConfig& config);

// t_start for a run of total_steps optimizer steps: start_step when set,
// else (auto, 0) max(2, ceil(start_fraction x total_steps)).
int64_t ResolveStartStep(const proto::CompressionConfig& config, int64_t total_steps);

// The base (uniform) setting c* of the configured family.
double BaseSetting(const proto::CompressionConfig& config);

// Sorted candidate settings for a rows x cols layer; contains the (clamped) base.
// Without L-GreCo the only candidate is the base.
std::vector<double> CandidateSettings(const proto::CompressionConfig& config, int64_t rows,
                                      int64_t cols);

// Index of the base setting in candidates (after PowerSGD's clamp to min(rows, cols)).
int BaseIndex(const proto::CompressionConfig& config, const std::vector<double>& candidates,
              int64_t rows, int64_t cols);

// The compressibility test of section 1 for a tensor of this shape.
bool IsCompressible(const proto::CompressionConfig& config, const Compressor& family,
                    const core::Shape& shape);

struct LayerTable {
  std::vector<double> errors;
  std::vector<int64_t> sizes;
};

// Builds the tables from the accumulated gradients and solves the knapsack.
// accum[l] is rows[l] x cols[l]; returns the result of SolveKnapsack.
KnapsackResult SolveLgreco(const proto::CompressionConfig& config, const Compressor& family,
                           const std::vector<const float*>& accum,
                           const std::vector<int64_t>& rows, const std::vector<int64_t>& cols,
                           const std::vector<std::vector<double>>& candidates,
                           const std::vector<int>& base_index,
                           std::vector<LayerTable>* tables = nullptr);

}  // namespace syncline::comm::compress
