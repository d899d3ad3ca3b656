// Compressor: one gradient-compression family (fp16, PowerSGD, Top-K, QSGD)
// applied per layer with error feedback (specs/lgreco.md sections 2 and 3).
//
// A layer is one parameter tensor viewed as a rows x cols matrix (rows = dim 0,
// cols = product of the rest). Each step the engine hands the family every
// compressible layer at once, so a family batches its exchange into as few
// collectives as it can (PowerSGD: two allreduces; others: one allgatherv).
// Settings are family values: PowerSGD rank, Top-K density, QSGD bits.
// All ranks must call Reduce with the same layers and settings in the same order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "syncline/checkpoint.pb.h"
#include "syncline/compression_config.pb.h"

namespace syncline::comm::compress {

struct LayerStep {
  int layer = 0;  // index among the compressible layers (seeds, state)
  int64_t rows = 0;
  int64_t cols = 0;
  double setting = 0.0;
  // In: M = G + e (the error-fed gradient). Out: the residual M - Ĝ, where Ĝ
  // is the averaged low-rank gradient (PowerSGD) or this rank's decoded message.
  float* m = nullptr;
  // Out: the average over ranks of the decoded messages (the gradient to apply).
  float* avg = nullptr;
  int64_t numel() const { return rows * cols; }
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::string name() const = 0;
  // Bytes this rank contributes to the wire for one layer at `setting`.
  virtual int64_t WireBytes(int64_t rows, int64_t cols, double setting) const = 0;
  // Compression error ||A - decode(encode(A))||_F for each candidate setting
  // (the solver's table; for QSGD the expected error). `layer` seeds probes.
  virtual std::vector<double> Errors(const float* a, int64_t rows, int64_t cols,
                                     const std::vector<double>& settings, int layer) const = 0;
  // Compresses all layers, exchanges with the other ranks, writes avg and the residual.
  virtual absl::Status Reduce(int64_t step, std::vector<LayerStep>& layers,
                              Communicator& comm) = 0;
  // A layer's setting changed (at `step`): drop per-layer state tied to the old one.
  virtual void OnSettingChanged(int /*layer*/) {}
  // Per-layer state beyond the residual (PowerSGD's Q), keyed by layer names.
  virtual void SaveState(const std::vector<std::string>& /*names*/,
                         proto::StateProto* /*state*/) const {}
  virtual absl::Status LoadState(const std::vector<std::string>& /*names*/,
                                 const proto::StateProto& /*state*/) {
    return absl::OkStatus();
  }
};

// Builds the family named by config.method ("fp16", "powersgd", "topk", "qsgd").
absl::StatusOr<std::unique_ptr<Compressor>> CreateCompressor(
    const proto::CompressionConfig& config);

// Top-K's k = ceil(density * numel), clamped to [1, numel] (0 for an empty tensor).
int64_t TopKCount(int64_t numel, double density);

}  // namespace syncline::comm::compress
