// fp16 compression: each value rounded to IEEE half (2 bytes on the wire),
// exchanged by allgatherv and summed in fp32. Its error feedback keeps the
// rounding error. The setting is ignored.
#pragma once

#include "comm/compress/compressor.h"

namespace syncline::comm::compress {

class Fp16Compressor : public Compressor {
 public:
  std::string name() const override { return "fp16"; }
  int64_t WireBytes(int64_t rows, int64_t cols, double setting) const override;
  std::vector<double> Errors(const float* a, int64_t rows, int64_t cols,
                             const std::vector<double>& settings, int layer) const override;
  absl::Status Reduce(int64_t step, std::vector<LayerStep>& layers, Communicator& comm) override;
};

}  // namespace syncline::comm::compress
