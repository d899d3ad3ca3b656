#include "comm/compress/compressed_bucket_reducer.h"

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace syncline::comm::compress {
namespace {

// A Work that already finished with `status`.
class DoneWork : public Work {
 public:
  explicit DoneWork(absl::Status status) : status_(std::move(status)) {}
  absl::Status Wait() override { return status_; }
  bool IsCompleted() override { return true; }

 private:
  absl::Status status_;
};

// Waits for the allreduce of the packed uncompressed gradients, then
// scatters them back into the bucket.
class UnpackWork : public Work {
 public:
  UnpackWork(GradBucket* bucket, std::vector<std::pair<int64_t, int64_t>> segments,
             std::vector<float> packed)
      : bucket_(bucket), segments_(std::move(segments)), packed_(std::move(packed)) {}
  void set_inner(std::unique_ptr<Work> inner) { inner_ = std::move(inner); }
  float* packed() { return packed_.data(); }
  int64_t packed_size() const { return static_cast<int64_t>(packed_.size()); }

  absl::Status Wait() override {
    if (done_) return status_;
    status_ = inner_->Wait();
    done_ = true;
    if (!status_.ok()) return status_;
    int64_t offset = 0;
    for (const auto& [start, count] : segments_) {
      std::memcpy(bucket_->flat.data() + start, packed_.data() + offset, count * sizeof(float));
      offset += count;
    }
    return status_;
  }
  bool IsCompleted() override { return done_ || inner_->IsCompleted(); }

 private:
  GradBucket* bucket_;
  std::vector<std::pair<int64_t, int64_t>> segments_;  // (offset in flat, count)
  std::vector<float> packed_;
  std::unique_ptr<Work> inner_;
  bool done_ = false;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CompressedBucketReducer>> CompressedBucketReducer::Create(
    const proto::CompressionConfig& config, core::Model* model, Communicator* comm,
    absl::Duration timeout) {
  std::vector<TensorSpec> specs;
  for (const core::Parameter& p : model->Parameters()) specs.push_back({p.name, p.value->shape()});
  absl::StatusOr<std::unique_ptr<GradientCompressor>> gc =
      GradientCompressor::Create(config, std::move(specs), comm);
  if (!gc.ok()) return gc.status();
  return std::unique_ptr<CompressedBucketReducer>(
      new CompressedBucketReducer(std::move(*gc), timeout));
}

std::unique_ptr<Work> CompressedBucketReducer::StartPlain(GradBucket* bucket, Communicator& comm) {
  AllreduceOptions o;
  o.op = ReduceOp::kAvg;
  o.timeout = timeout_;
  o.tag = absl::StrCat("gradient bucket ", bucket->index);
  return comm.AllreduceAsync(bucket->flat.data(), static_cast<int64_t>(bucket->flat.size()), o);
}

std::unique_ptr<Work> CompressedBucketReducer::Start(GradBucket* bucket, Communicator& comm) {
  const int64_t sent_before = comm.bytes_sent();
  compressor_->AddTraffic(0, 4 * static_cast<int64_t>(bucket->flat.size()));
  if (bucket->index == 0) {
    absl::Status status = compressor_->BeginStep(compressor_->next_step());
    if (!status.ok()) return std::make_unique<DoneWork>(status);
  }
  if (!compressor_->compressing()) {
    std::unique_ptr<Work> work = StartPlain(bucket, comm);
    compressor_->AddTraffic(comm.bytes_sent() - sent_before, 0);
    return work;
  }
  std::vector<int> ids;
  std::vector<float*> data;
  std::vector<std::pair<int64_t, int64_t>> segments;
  int64_t dense_count = 0;
  for (int i = 0; i < bucket->num_params; ++i) {
    const int tensor = bucket->first_param + i;
    if (compressor_->IsCompressed(tensor)) {
      ids.push_back(tensor);
      data.push_back(bucket->flat.data() + bucket->offsets[i]);
    } else {
      const int64_t n = bucket->params[i].value->numel();
      segments.emplace_back(bucket->offsets[i], n);
      dense_count += n;
    }
  }
  absl::Status status = compressor_->ReduceCompressed(ids, data);
  if (!status.ok()) return std::make_unique<DoneWork>(status);
  if (dense_count == 0) {
    compressor_->AddTraffic(comm.bytes_sent() - sent_before, 0);
    return std::make_unique<DoneWork>(absl::OkStatus());
  }
  std::vector<float> packed(dense_count);
  int64_t offset = 0;
  for (const auto& [start, count] : segments) {
    std::memcpy(packed.data() + offset, bucket->flat.data() + start, count * sizeof(float));
    offset += count;
  }
  auto work = std::make_unique<UnpackWork>(bucket, std::move(segments), std::move(packed));
  AllreduceOptions o;
  o.op = ReduceOp::kAvg;
  o.timeout = timeout_;
  o.tag = absl::StrCat("gradient bucket ", bucket->index, " (uncompressed part)");
  work->set_inner(comm.AllreduceAsync(work->packed(), work->packed_size(), o));
  compressor_->AddTraffic(comm.bytes_sent() - sent_before, 0);
  return work;
}

}  // namespace syncline::comm::compress
