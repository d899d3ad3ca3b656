// QSGD / uniform max-min stochastic quantisation with b bits per value and
// buckets of B values (torch_cgx style, specs/lgreco.md section 2). Each
// bucket sends (lo, unit) as two fp32 and its levels packed LSB-first into
// ceil(numel * b / 8) bytes per layer; rounding noise comes from a portable
// stream seeded by (seed, step, rank, layer). All layers share one allgatherv;
// every rank decodes and averages all messages. b = 32 sends raw fp32
// (identical to no compression). Valid bits: 1..16 and 32.
#pragma once

#include "comm/compress/compressor.h"

namespace syncline::comm::compress {

class QsgdCompressor : public Compressor {
 public:
  explicit QsgdCompressor(const proto::CompressionConfig& config);
  std::string name() const override { return "qsgd"; }
  int64_t WireBytes(int64_t rows, int64_t cols, double setting) const override;
  std::vector<double> Errors(const float* a, int64_t rows, int64_t cols,
                             const std::vector<double>& settings, int layer) const override;
  absl::Status Reduce(int64_t step, std::vector<LayerStep>& layers, Communicator& comm) override;

  // Encodes numel values at `bits` into out (WireBytes bytes); writes the
  // decoded values into decoded. `uniforms` yields the rounding noise.
  static void Encode(const float* x, int64_t numel, int bits, int64_t bucket, uint64_t noise_seed,
                     uint8_t* out, float* decoded);
  // Adds the decoded message to acc.
  static void DecodeAdd(const uint8_t* in, int64_t numel, int bits, int64_t bucket, float* acc);
  static int64_t MessageBytes(int64_t numel, int bits, int64_t bucket);
  // Deterministic expected error sqrt(sum (x - g_lo)(g_hi - x)).
  static double ExpectedError(const float* x, int64_t numel, int bits, int64_t bucket);

 private:
  int64_t bucket_;
  uint64_t seed_;
};

}  // namespace syncline::comm::compress
