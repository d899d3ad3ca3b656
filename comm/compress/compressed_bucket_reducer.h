// CompressedBucketReducer: plugs per-layer gradient compression (and
// L-GreCo) into DataParallel through its BucketReducer seam.
//
// For each bucket, in DataParallel's launch order: the first bucket of a step
// starts the compressor's step (L-GreCo's solve and broadcast when due, the
// same collective position on every rank); the bucket's compressible
// gradients are compressed and exchanged at once (PowerSGD: two allreduces
// per bucket; Top-K, QSGD, fp16: one allgatherv), and its other gradients
// (biases, norms, small tensors) go through one asynchronous allreduce.
// During warm-up every bucket is a plain allreduce. Steps are numbered by the
// compressor itself (saved in its state; set_next_step after a resume).
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "comm/compress/gradient_compressor.h"
#include "comm/data_parallel.h"
#include "core/model.h"
#include "syncline/compression_config.pb.h"

namespace syncline::comm::compress {

class CompressedBucketReducer : public BucketReducer {
 public:
  // Validates the config; the model's parameters define the layers.
  static absl::StatusOr<std::unique_ptr<CompressedBucketReducer>> Create(
      const proto::CompressionConfig& config, core::Model* model, Communicator* comm,
      absl::Duration timeout = kDefaultTimeout);

  std::unique_ptr<Work> Start(GradBucket* bucket, Communicator& comm) override;

  GradientCompressor& compressor() { return *compressor_; }
  const GradientCompressor& compressor() const { return *compressor_; }
  // Gradient traffic through this reducer, cumulative: bytes this rank put on
  // the wire, and what plain fp32 allreduces of the same buckets would have counted.
  // Kept in the compressor's state, so they continue across a resume.
  int64_t bytes_sent() const { return compressor_->traffic_sent(); }
  int64_t dense_bytes() const { return compressor_->traffic_dense(); }
  double compression_ratio() const {
    return bytes_sent() > 0 ? static_cast<double>(dense_bytes()) / bytes_sent() : 1.0;
  }

 private:
  CompressedBucketReducer(std::unique_ptr<GradientCompressor> compressor, absl::Duration timeout)
      : compressor_(std::move(compressor)), timeout_(timeout) {}
  std::unique_ptr<Work> StartPlain(GradBucket* bucket, Communicator& comm);

  std::unique_ptr<GradientCompressor> compressor_;
  absl::Duration timeout_;
};

}  // namespace syncline::comm::compress
