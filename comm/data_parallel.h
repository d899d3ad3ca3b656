// DataParallel: keeps one model replicated across the ranks of a
// Communicator, as PyTorch DDP and Horovod do.
//
//  - Start(): checks that every rank holds the same parameter names and
//    shapes (a mismatch is InvalidArgument naming the rank and the tensor, on
//    every rank, never a hang), then broadcasts rank 0's parameter values.
//    BroadcastMessage() does the same for optimizer state (any proto).
//  - Each step: BeginStep(weight) before Backward; while Backward runs, the
//    model's grad-ready hook fills gradient buckets (about comm.bucket_mb
//    each, in reverse parameter order) and starts each bucket's reduction as
//    soon as its last gradient is final, so communication overlaps the rest
//    of backward; FinishStep() waits for all buckets and writes the averaged
//    gradients back.
//  - Seam for compression: a BucketReducer decides how a bucket is reduced.
//    The default averages it with one allreduce; comm/compress plugs in
//    per-layer compressors (L-GreCo) by installing its own reducer.
//
// Weighting: each rank's gradient is scaled by `weight` (BeginStep) before
// averaging. With mean-reduced losses, pass local_batch * world /
// global_batch so uneven (even empty) last batches give the exact global
// mean; 1.0 when batches are equal.
//
// Not thread-safe; the caller's thread runs Backward and every method here.
// The model must outlive this object, whose destructor removes the hook.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "comm/communicator.h"
#include "core/model.h"
#include "google/protobuf/message.h"

namespace syncline::comm {

// A run of parameters (contiguous in Parameters() order) reduced together.
struct GradBucket {
  int index = 0;
  int first_param = 0;  // params [first_param, first_param + num_params)
  int num_params = 0;
  std::vector<core::Parameter> params;
  std::vector<int64_t> offsets;  // of each param's gradient in `flat`
  std::vector<float> flat;       // the bucket's gradients, packed
};

// How one bucket's gradients are averaged across ranks. Start() is called
// from inside Backward, in the same bucket order on every rank, and may issue
// collectives on `comm` (from the calling thread only). On completion of the
// returned Work, bucket->flat must hold the average over ranks.
class BucketReducer {
 public:
  virtual ~BucketReducer() = default;
  virtual std::unique_ptr<Work> Start(GradBucket* bucket, Communicator& comm) = 0;
};

// The default: one asynchronous allreduce-average per bucket.
class AllreduceBucketReducer : public BucketReducer {
 public:
  explicit AllreduceBucketReducer(absl::Duration timeout) : timeout_(timeout) {}
  std::unique_ptr<Work> Start(GradBucket* bucket, Communicator& comm) override;

 private:
  absl::Duration timeout_;
};

struct DataParallelOptions {
  double bucket_mb = 4;
  absl::Duration timeout = kDefaultTimeout;
};

class DataParallel {
 public:
  DataParallel(core::Model* model, Communicator* comm, DataParallelOptions options = {});
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // Verifies parameter names/shapes across ranks, then broadcasts rank 0's
  // parameter values to all ranks.
  absl::Status Start();
  // Rank 0's `message` replaces every other rank's (e.g. optimizer state).
  absl::Status BroadcastMessage(google::protobuf::Message* message);

  void BeginStep(float weight = 1.0f);
  // Waits for every bucket; on OK the model's grads hold the weighted mean.
  absl::Status FinishStep();

  // Replaces the default reducer (call between steps).
  void set_reducer(std::unique_ptr<BucketReducer> reducer) {
    reducer_ = std::move(reducer);
    custom_reducer_ = true;
  }
  const std::vector<GradBucket>& buckets() const { return buckets_; }
  Communicator& comm() { return *comm_; }

 private:
  void BuildBuckets();
  void OnGradReady(int first_param, int num_params);
  void Launch(GradBucket& bucket);
  absl::Status VerifyParameterShapes();

  core::Model* model_;
  Communicator* comm_;
  DataParallelOptions options_;
  std::unique_ptr<BucketReducer> reducer_;
  std::vector<GradBucket> buckets_;       // in launch order (last parameters first)
  std::vector<int> bucket_of_param_;      // parameter index -> bucket index
  std::vector<int> ready_in_bucket_;      // gradients final so far this step
  std::vector<std::unique_ptr<Work>> works_;  // per bucket, this step
  float weight_ = 1.0f;
  bool in_step_ = false;
  bool custom_reducer_ = false;
};

}  // namespace syncline::comm
