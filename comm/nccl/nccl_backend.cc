#include "comm/nccl/nccl_backend.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "comm/nccl/nccl_status.h"
#include "comm/serial_executor.h"

namespace syncline::comm {
namespace {

ncclRedOp_t ToNcclOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return ncclSum;
    case ReduceOp::kAvg: return ncclAvg;
    case ReduceOp::kMax: return ncclMax;
    case ReduceOp::kMin: return ncclMin;
  }
  return ncclSum;
}

class NcclBackend : public Backend {
 public:
  explicit NcclBackend(std::unique_ptr<Backend> bootstrap)
      : rank_(bootstrap->rank()), size_(bootstrap->size()), bootstrap_(std::move(bootstrap)) {}
  ~NcclBackend() override;  // comm and device memory freed on the CUDA thread
  absl::Status Init(int local_rank);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "nccl"; }

  std::unique_ptr<Work> Allreduce(float* data, int64_t count,
                                  const AllreduceOptions& options) override;
  std::unique_ptr<Work> Broadcast(void* data, int64_t bytes,
                                  const BroadcastOptions& options) override;
  std::unique_ptr<Work> Allgather(const float* in, int64_t count, float* out,
                                  const AllgatherOptions& options) override;
  std::unique_ptr<Work> Allgatherv(const void* in, int64_t bytes,
                                   std::vector<std::vector<uint8_t>>* out,
                                   const AllgatherOptions& options) override;
  std::unique_ptr<Work> ReduceScatter(const float* in, float* out, int64_t count,
                                      const ReduceScatterOptions& options) override;
  std::unique_ptr<Work> Barrier(const BarrierOptions& options) override;

 private:
  // Runs `task` on the CUDA/NCCL thread unless broken; failures break.
  std::unique_ptr<Work> Submit(std::function<absl::Status(absl::Time)> task,
                               absl::Duration timeout);
  // Grows the device scratch buffer to at least `bytes`.
  absl::Status Reserve(int64_t bytes);
  // Waits for everything queued on stream_, bounded by `deadline`.
  absl::Status Sync(absl::Time deadline);
  absl::Status AllgatherBytes(const void* in, int64_t bytes, void* out, absl::Time deadline);

  int rank_, size_;
  // Kept alive for the job's length: an MPI bootstrap finalizes MPI when destroyed.
  std::unique_ptr<Backend> bootstrap_;
  int device_ = 0;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  char* scratch_ = nullptr;
  int64_t scratch_bytes_ = 0;
  std::atomic<bool> broken_{false};
  std::unique_ptr<SerialExecutor> executor_ = std::make_unique<SerialExecutor>();
};

absl::Status NcclBackend::Init(int local_rank) {
  const int devices = NcclDeviceCount();
  if (devices == 0) return absl::FailedPreconditionError("nccl backend: no CUDA device visible");
  device_ = local_rank % devices;
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  if (rank_ == 0) SYNCLINE_NCCL_RETURN_IF_ERROR(ncclGetUniqueId(&id));
  absl::Status status = bootstrap_->Broadcast(&id, sizeof(id), BroadcastOptions{})->Wait();
  if (!status.ok()) return status;
  executor_->RunSync([&] {
    status = [&]() -> absl::Status {
      SYNCLINE_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
      SYNCLINE_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
      ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
      config.blocking = 0;  // so initialization is bounded by our deadline too
      SYNCLINE_NCCL_RETURN_IF_ERROR(ncclCommInitRankConfig(&comm_, size_, id, rank_, &config));
      return Sync(absl::Now() + kDefaultTimeout);
    }();
  });
  if (!status.ok()) broken_ = true;
  return status;
}

NcclBackend::~NcclBackend() {
  executor_->RunSync([this] {
    if (comm_ != nullptr) {
      if (broken_) {
        ncclCommAbort(comm_);
      } else {
        ncclCommDestroy(comm_);
      }
    }
    if (scratch_ != nullptr) cudaFree(scratch_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  });
  executor_.reset();
}

absl::Status NcclBackend::Reserve(int64_t bytes) {
  if (bytes <= scratch_bytes_) return absl::OkStatus();
  if (scratch_ != nullptr) SYNCLINE_CUDA_RETURN_IF_ERROR(cudaFree(scratch_));
  scratch_ = nullptr;
  SYNCLINE_CUDA_RETURN_IF_ERROR(cudaMalloc(reinterpret_cast<void**>(&scratch_), bytes));
  scratch_bytes_ = bytes;
  return absl::OkStatus();
}

absl::Status NcclBackend::Sync(absl::Time deadline) {
  for (;;) {
    ncclResult_t async_error = ncclSuccess;
    if (comm_ != nullptr) {
      SYNCLINE_NCCL_RETURN_IF_ERROR(ncclCommGetAsyncError(comm_, &async_error));
      SYNCLINE_NCCL_RETURN_IF_ERROR(async_error);
    }
    if (async_error != ncclInProgress && stream_ != nullptr) {
      const cudaError_t q = cudaStreamQuery(stream_);
      if (q == cudaSuccess) return absl::OkStatus();
      if (q != cudaErrorNotReady) SYNCLINE_CUDA_RETURN_IF_ERROR(q);
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          "NCCL collective did not finish before its timeout; a peer rank is stuck or lost");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

std::unique_ptr<Work> NcclBackend::Submit(std::function<absl::Status(absl::Time)> task,
                                          absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto run = [this, task = std::move(task), deadline]() -> absl::Status {
    if (broken_) return absl::FailedPreconditionError("nccl backend unusable after an earlier failure");
    absl::Status status = task(deadline);
    if (!status.ok()) broken_ = true;
    return status;
  };
  return executor_->Submit(std::move(run), deadline);
}

std::unique_ptr<Work> NcclBackend::Allreduce(float* data, int64_t count,
                                             const AllreduceOptions& options) {
  const ReduceOp op = options.op;
  return Submit(
      [this, data, count, op](absl::Time deadline) -> absl::Status {
        if (count == 0) return absl::OkStatus();
        const int64_t bytes = count * 4;
        absl::Status s = Reserve(bytes);
        if (!s.ok()) return s;
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(scratch_, data, bytes, cudaMemcpyHostToDevice, stream_));
        SYNCLINE_NCCL_RETURN_IF_ERROR(ncclAllReduce(scratch_, scratch_, count, ncclFloat,
                                                    ToNcclOp(op), comm_, stream_));
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(data, scratch_, bytes, cudaMemcpyDeviceToHost, stream_));
        return Sync(deadline);
      },
      options.timeout);
}

std::unique_ptr<Work> NcclBackend::Broadcast(void* data, int64_t bytes,
                                             const BroadcastOptions& options) {
  const int root = options.root;
  return Submit(
      [this, data, bytes, root](absl::Time deadline) -> absl::Status {
        if (bytes == 0) return absl::OkStatus();
        absl::Status s = Reserve(bytes);
        if (!s.ok()) return s;
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(scratch_, data, bytes, cudaMemcpyHostToDevice, stream_));
        SYNCLINE_NCCL_RETURN_IF_ERROR(
            ncclBroadcast(scratch_, scratch_, bytes, ncclInt8, root, comm_, stream_));
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(data, scratch_, bytes, cudaMemcpyDeviceToHost, stream_));
        return Sync(deadline);
      },
      options.timeout);
}

absl::Status NcclBackend::AllgatherBytes(const void* in, int64_t bytes, void* out,
                                         absl::Time deadline) {
  if (bytes == 0) return absl::OkStatus();
  absl::Status s = Reserve(bytes * (size_ + 1));
  if (!s.ok()) return s;
  char* send = scratch_ + bytes * size_;
  SYNCLINE_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(send, in, bytes, cudaMemcpyHostToDevice, stream_));
  SYNCLINE_NCCL_RETURN_IF_ERROR(ncclAllGather(send, scratch_, bytes, ncclInt8, comm_, stream_));
  SYNCLINE_CUDA_RETURN_IF_ERROR(
      cudaMemcpyAsync(out, scratch_, bytes * size_, cudaMemcpyDeviceToHost, stream_));
  return Sync(deadline);
}

std::unique_ptr<Work> NcclBackend::Allgather(const float* in, int64_t count, float* out,
                                             const AllgatherOptions& options) {
  return Submit(
      [this, in, count, out](absl::Time deadline) {
        return AllgatherBytes(in, count * 4, out, deadline);
      },
      options.timeout);
}

std::unique_ptr<Work> NcclBackend::Allgatherv(const void* in, int64_t bytes,
                                              std::vector<std::vector<uint8_t>>* out,
                                              const AllgatherOptions& options) {
  return Submit(
      [this, in, bytes, out](absl::Time deadline) -> absl::Status {
        // Sizes first, then every rank's bytes padded to the largest.
        std::vector<int64_t> sizes(size_);
        absl::Status s = AllgatherBytes(&bytes, sizeof(bytes), sizes.data(), deadline);
        if (!s.ok()) return s;
        const int64_t max = *std::max_element(sizes.begin(), sizes.end());
        std::vector<uint8_t> padded(max), all(max * size_);
        if (bytes > 0) std::memcpy(padded.data(), in, bytes);
        s = AllgatherBytes(padded.data(), max, all.data(), deadline);
        if (!s.ok()) return s;
        out->assign(size_, {});
        for (int r = 0; r < size_; ++r) {
          (*out)[r].assign(all.begin() + r * max, all.begin() + r * max + sizes[r]);
        }
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> NcclBackend::ReduceScatter(const float* in, float* out, int64_t count,
                                                 const ReduceScatterOptions& options) {
  const ReduceOp op = options.op;
  return Submit(
      [this, in, out, count, op](absl::Time deadline) -> absl::Status {
        if (count == 0) return absl::OkStatus();
        const int64_t in_bytes = count * 4 * size_;
        absl::Status s = Reserve(in_bytes + count * 4);
        if (!s.ok()) return s;
        float* dout = reinterpret_cast<float*>(scratch_ + in_bytes);
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(scratch_, in, in_bytes, cudaMemcpyHostToDevice, stream_));
        SYNCLINE_NCCL_RETURN_IF_ERROR(ncclReduceScatter(scratch_, dout, count, ncclFloat,
                                                        ToNcclOp(op), comm_, stream_));
        SYNCLINE_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(out, dout, count * 4, cudaMemcpyDeviceToHost, stream_));
        return Sync(deadline);
      },
      options.timeout);
}

std::unique_ptr<Work> NcclBackend::Barrier(const BarrierOptions& options) {
  return Submit(
      [this](absl::Time deadline) -> absl::Status {
        absl::Status s = Reserve(4);
        if (!s.ok()) return s;
        SYNCLINE_NCCL_RETURN_IF_ERROR(
            ncclAllReduce(scratch_, scratch_, 1, ncclFloat, ncclSum, comm_, stream_));
        return Sync(deadline);
      },
      options.timeout);
}

}  // namespace

int NcclDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
  return count;
}

absl::StatusOr<std::unique_ptr<Backend>> CreateNcclBackend(std::unique_ptr<Backend> bootstrap,
                                                           int local_rank) {
  auto backend = std::make_unique<NcclBackend>(std::move(bootstrap));
  absl::Status status = backend->Init(local_rank);
  if (!status.ok()) return status;
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace syncline::comm
