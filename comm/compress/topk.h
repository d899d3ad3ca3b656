// Top-K sparsification, density d per layer: the k = ceil(d * numel) entries
// of largest |value| (ties to the lower flat index) travel as (int32 index,
// fp32 value) pairs, 8k bytes, exchanged with one allgatherv for all layers;
// every rank sums the decoded messages and divides by the world size.
// The residual keeps exactly the dropped entries.
#pragma once

#include "comm/compress/compressor.h"

namespace syncline::comm::compress {

class TopKCompressor : public Compressor {
 public:
  std::string name() const override { return "topk"; }
  int64_t WireBytes(int64_t rows, int64_t cols, double setting) const override;
  std::vector<double> Errors(const float* a, int64_t rows, int64_t cols,
                             const std::vector<double>& settings, int layer) const override;
  absl::Status Reduce(int64_t step, std::vector<LayerStep>& layers, Communicator& comm) override;

  // Indices of the k largest |values|, ties to the lower index, in ascending index order.
  static std::vector<int32_t> Select(const float* values, int64_t numel, int64_t k);
};

}  // namespace syncline::comm::compress
