#include "comm/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/check.h"
#include "comm/serial_executor.h"

namespace syncline::comm {
namespace {

// "fc1.weight[128, 784]" per parameter, one per line.
std::string DescribeParameters(const std::vector<core::Parameter>& params) {
  std::string out;
  for (const auto& p : params) {
    absl::StrAppend(&out, p.name, " ", p.value->ShapeString(), "\n");
  }
  return out;
}

// First difference between rank r's parameter list and rank 0's, or "".
std::string FirstDifference(const std::vector<std::string>& mine,
                            const std::vector<std::string>& root, int r) {
  for (size_t i = 0; i < std::min(mine.size(), root.size()); ++i) {
    if (mine[i] == root[i]) continue;
    return absl::StrCat("rank ", r, ": parameter #", i, " is \"", mine[i], "\", rank 0 has \"",
                        root[i], "\"");
  }
  if (mine.size() != root.size()) {
    return absl::StrCat("rank ", r, " has ", mine.size(), " parameters, rank 0 has ", root.size(),
                        mine.size() > root.size() ? absl::StrCat(" (first extra: \"", mine[root.size()], "\")")
                                                  : absl::StrCat(" (first missing: \"", root[mine.size()], "\")"));
  }
  return "";
}

}  // namespace

std::unique_ptr<Work> AllreduceBucketReducer::Start(GradBucket* bucket, Communicator& comm) {
  AllreduceOptions o;
  o.op = ReduceOp::kAvg;
  o.timeout = timeout_;
  o.tag = absl::StrCat("gradient bucket ", bucket->index, " (", bucket->params.front().name, "..)");
  return comm.AllreduceAsync(bucket->flat.data(), static_cast<int64_t>(bucket->flat.size()), o);
}

DataParallel::DataParallel(core::Model* model, Communicator* comm, DataParallelOptions options)
    : model_(model),
      comm_(comm),
      options_(options),
      reducer_(std::make_unique<AllreduceBucketReducer>(options.timeout)) {
  BuildBuckets();
  model_->SetGradReadyHook([this](int first, int num) { OnGradReady(first, num); });
}

DataParallel::~DataParallel() { model_->SetGradReadyHook(nullptr); }

void DataParallel::BuildBuckets() {
  const std::vector<core::Parameter>& params = model_->Parameters();
  const int64_t limit = std::max<int64_t>(1, static_cast<int64_t>(options_.bucket_mb * (1 << 20)));
  bucket_of_param_.assign(params.size(), -1);
  int hi = static_cast<int>(params.size());  // exclusive end of the next bucket
  while (hi > 0) {
    int lo = hi;
    int64_t bytes = 0;
    while (lo > 0 && (bytes == 0 || bytes + params[lo - 1].value->numel() * 4 <= limit)) {
      --lo;
      bytes += params[lo].value->numel() * 4;
    }
    GradBucket bucket;
    bucket.index = static_cast<int>(buckets_.size());
    bucket.first_param = lo;
    bucket.num_params = hi - lo;
    int64_t offset = 0;
    for (int p = lo; p < hi; ++p) {
      bucket.params.push_back(params[p]);
      bucket.offsets.push_back(offset);
      offset += params[p].value->numel();
      bucket_of_param_[p] = bucket.index;
    }
    bucket.flat.resize(offset);
    buckets_.push_back(std::move(bucket));
    hi = lo;
  }
  ready_in_bucket_.assign(buckets_.size(), 0);
  works_.resize(buckets_.size());
}

absl::Status DataParallel::VerifyParameterShapes() {
  const std::string mine = DescribeParameters(model_->Parameters());
  std::vector<std::vector<uint8_t>> all;
  AllgatherOptions o;
  o.timeout = options_.timeout;
  o.tag = "parameter names and shapes";
  absl::Status status = comm_->Allgatherv(mine.data(), static_cast<int64_t>(mine.size()), &all, o);
  if (!status.ok()) return status;
  auto lines = [](const std::vector<uint8_t>& b) {
    return std::vector<std::string>(absl::StrSplit(std::string(b.begin(), b.end()), '\n',
                                                   absl::SkipEmpty()));
  };
  const std::vector<std::string> root = lines(all[0]);
  for (int r = 1; r < comm_->size(); ++r) {
    std::string diff = FirstDifference(lines(all[r]), root, r);
    if (!diff.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("data parallel: ranks hold different models: ", diff));
    }
  }
  return absl::OkStatus();
}

absl::Status DataParallel::Start() {
  if (comm_->size() == 1) return absl::OkStatus();
  absl::Status status = VerifyParameterShapes();
  if (!status.ok()) return status;
  for (const auto& p : model_->Parameters()) {
    BroadcastOptions o;
    o.timeout = options_.timeout;
    o.tag = p.name;
    status = comm_->Broadcast(p.value->data(), p.value->numel() * 4, o);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status DataParallel::BroadcastMessage(google::protobuf::Message* message) {
  if (comm_->size() == 1) return absl::OkStatus();
  std::string bytes;
  if (comm_->rank() == 0 && !message->SerializeToString(&bytes)) {
    return absl::InternalError(absl::StrCat("cannot serialize ", message->GetTypeName()));
  }
  int64_t size = static_cast<int64_t>(bytes.size());
  BroadcastOptions o;
  o.timeout = options_.timeout;
  o.tag = message->GetTypeName();
  absl::Status status = comm_->Broadcast(&size, sizeof(size), o);
  if (!status.ok()) return status;
  bytes.resize(size);
  status = comm_->Broadcast(bytes.data(), size, o);
  if (!status.ok()) return status;
  if (comm_->rank() != 0 && !message->ParseFromString(bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", comm_->rank(), ": cannot parse ", o.tag, " broadcast by rank 0"));
  }
  return absl::OkStatus();
}

void DataParallel::BeginStep(float weight) {
  weight_ = weight;
  // One rank with the plain allreduce: the gradients are already the mean.
  in_step_ = !(comm_->size() == 1 && weight == 1.0f && !custom_reducer_);
  std::fill(ready_in_bucket_.begin(), ready_in_bucket_.end(), 0);
  for (auto& w : works_) w.reset();
}

void DataParallel::OnGradReady(int first_param, int num_params) {
  if (!in_step_) return;  // a Backward outside a step (e.g. FAL's PGD): nothing to reduce
  for (int p = first_param; p < first_param + num_params; ++p) ++ready_in_bucket_[bucket_of_param_[p]];
  // Launch strictly in bucket order, so every rank issues the same sequence.
  for (auto& bucket : buckets_) {
    if (works_[bucket.index]) continue;
    if (ready_in_bucket_[bucket.index] < bucket.num_params) break;
    Launch(bucket);
  }
}

void DataParallel::Launch(GradBucket& bucket) {
  for (size_t i = 0; i < bucket.params.size(); ++i) {
    const core::Tensor& grad = *bucket.params[i].grad;
    float* dst = bucket.flat.data() + bucket.offsets[i];
    if (weight_ == 1.0f) {
      std::memcpy(dst, grad.data(), grad.numel() * sizeof(float));
    } else {
      for (int64_t j = 0; j < grad.numel(); ++j) dst[j] = grad[j] * weight_;
    }
  }
  works_[bucket.index] = reducer_->Start(&bucket, *comm_);
}

absl::Status DataParallel::FinishStep() {
  if (!in_step_) return absl::OkStatus();
  for (auto& bucket : buckets_) {
    if (!works_[bucket.index]) Launch(bucket);  // e.g. this rank skipped Backward
  }
  in_step_ = false;
  absl::Status first_error;
  for (auto& bucket : buckets_) {
    absl::Status status = works_[bucket.index]->Wait();
    works_[bucket.index].reset();
    if (!status.ok()) {
      if (first_error.ok()) first_error = status;
      continue;
    }
    for (size_t i = 0; i < bucket.params.size(); ++i) {
      core::Tensor& grad = *bucket.params[i].grad;
      std::memcpy(grad.data(), bucket.flat.data() + bucket.offsets[i], grad.numel() * sizeof(float));
    }
  }
  return first_error;
}

}  // namespace syncline::comm
