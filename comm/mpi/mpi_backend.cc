#include "comm/mpi/mpi_backend.h"

#include <mpi.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "comm/mpi/mpi_status.h"
#include "comm/reduce_op.h"
#include "comm/serial_executor.h"

namespace syncline::comm {
namespace {

constexpr absl::Duration kLivenessEvery = absl::Milliseconds(200);
constexpr absl::Duration kSpinFor = absl::Milliseconds(2);
constexpr int kHostChars = 64;

struct PeerInfo {
  char host[kHostChars];
  int64_t pid;
};

// True when process `pid` on this host has exited (gone or a zombie).
bool ProcessGone(int64_t pid) {
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string pid_field, comm, state;
  if (stat >> pid_field >> comm >> state) return state == "Z" || state == "X";
  return false;
}

MPI_Op ToMpiOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMax: return MPI_MAX;
    case ReduceOp::kMin: return MPI_MIN;
    default: return MPI_SUM;  // kAvg: sum, then scale
  }
}

absl::Status CheckIntCount(int64_t count, const char* what) {
  if (count < 0 || count > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(what, " count ", count, " outside [0, 2^31)"));
  }
  return absl::OkStatus();
}

class MpiBackend : public Backend {
 public:
  MpiBackend() : executor_(std::make_unique<SerialExecutor>()) {}
  ~MpiBackend() override;
  absl::Status Init();

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }

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
  std::unique_ptr<Work> ReferenceAllreduce(float* data, int64_t count) override;

 private:
  absl::Status InitOnThread();
  // Queues `task` (run on the MPI thread) unless the backend is broken; a
  // failing task breaks the backend.
  std::unique_ptr<Work> Submit(std::function<absl::Status(absl::Time)> task,
                               absl::Duration timeout);
  // Waits for `request` by MPI_Test polling until done or `deadline`.
  absl::Status Poll(MPI_Request* request, absl::Time deadline);
  absl::Status CheckPeersAlive() const;

  int rank_ = 0;
  int size_ = 1;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::vector<PeerInfo> peers_;
  std::atomic<bool> broken_{false};
  std::unique_ptr<SerialExecutor> executor_;
};

absl::Status MpiBackend::Init() {
  absl::Status status;
  executor_->RunSync([&] { status = InitOnThread(); });
  if (!status.ok()) broken_ = true;
  return status;
}

absl::Status MpiBackend::InitOnThread() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return absl::FailedPreconditionError("MPI is already initialized");
  int provided = 0;
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided));
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Comm_rank(comm_, &rank_));
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Comm_size(comm_, &size_));
  // Learn where every peer runs, so a lost peer on this host can be named.
  PeerInfo mine{};
  gethostname(mine.host, kHostChars - 1);
  mine.pid = getpid();
  peers_.resize(size_);
  MPI_Request request;
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Iallgather(&mine, sizeof(mine), MPI_BYTE, peers_.data(),
                                              sizeof(mine), MPI_BYTE, comm_, &request));
  return Poll(&request, absl::Now() + kDefaultTimeout);
}

MpiBackend::~MpiBackend() {
  if (!broken_) {
    executor_->RunSync([this] {
      MPI_Comm_free(&comm_);
      MPI_Finalize();
    });
  }
  executor_.reset();
}

absl::Status MpiBackend::CheckPeersAlive() const {
  for (int r = 0; r < size_; ++r) {
    if (r == rank_ || std::strncmp(peers_[r].host, peers_[rank_].host, kHostChars) != 0) continue;
    if (ProcessGone(peers_[r].pid)) {
      return absl::UnavailableError(absl::StrCat("lost rank ", r, ": its process (pid ",
                                                 peers_[r].pid, " on ", peers_[r].host,
                                                 ") has exited"));
    }
  }
  return absl::OkStatus();
}

absl::Status MpiBackend::Poll(MPI_Request* request, absl::Time deadline) {
  const absl::Time start = absl::Now();
  absl::Time next_liveness = start + kLivenessEvery;
  for (;;) {
    int done = 0;
    SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Test(request, &done, MPI_STATUS_IGNORE));
    if (done) return absl::OkStatus();
    const absl::Time now = absl::Now();
    if (now >= next_liveness && !peers_.empty()) {
      absl::Status alive = CheckPeersAlive();
      if (!alive.ok()) return alive;
      next_liveness = now + kLivenessEvery;
    }
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no completion after ", absl::FormatDuration(now - start),
          " (timeout); a peer rank is stuck, diverged, or lost on another host"));
    }
    // Spin briefly for latency, then back off so a waiting comm thread does
    // not steal the CPU from the compute it overlaps with.
    if (now - start < kSpinFor) {
      sched_yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

std::unique_ptr<Work> MpiBackend::Submit(std::function<absl::Status(absl::Time)> task,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto run = [this, task = std::move(task), deadline]() -> absl::Status {
    if (broken_) {
      return absl::FailedPreconditionError("MPI backend is unusable after an earlier failure");
    }
    absl::Status status = task(deadline);
    if (!status.ok()) broken_ = true;
    return status;
  };
  return executor_->Submit(std::move(run), deadline);
}

std::unique_ptr<Work> MpiBackend::Allreduce(float* data, int64_t count,
                                            const AllreduceOptions& options) {
  const int64_t chunk = options.max_chunk_bytes > 0
                            ? std::max<int64_t>(1, options.max_chunk_bytes / 4)
                            : int64_t{1} << 28;
  const ReduceOp op = options.op;
  return Submit(
      [this, data, count, chunk, op](absl::Time deadline) -> absl::Status {
        for (int64_t lo = 0; lo < count; lo += chunk) {
          const int n = static_cast<int>(std::min(chunk, count - lo));
          MPI_Request request;
          SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Iallreduce(MPI_IN_PLACE, data + lo, n, MPI_FLOAT,
                                                      ToMpiOp(op), comm_, &request));
          absl::Status status = Poll(&request, deadline);
          if (!status.ok()) return status;
        }
        FinishReduce(data, count, op, size_);
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::ReferenceAllreduce(float* data, int64_t count) {
  return Submit(
      [this, data, count](absl::Time) -> absl::Status {
        absl::Status check = CheckIntCount(count, "allreduce");
        if (!check.ok()) return check;
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count),
                                                   MPI_FLOAT, MPI_SUM, comm_));
        return absl::OkStatus();
      },
      kDefaultTimeout);
}

std::unique_ptr<Work> MpiBackend::Broadcast(void* data, int64_t bytes,
                                            const BroadcastOptions& options) {
  const int root = options.root;
  return Submit(
      [this, data, bytes, root](absl::Time deadline) -> absl::Status {
        absl::Status check = CheckIntCount(bytes, "broadcast");
        if (!check.ok()) return check;
        MPI_Request request;
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Ibcast(data, static_cast<int>(bytes), MPI_BYTE, root, comm_, &request));
        return Poll(&request, deadline);
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Allgather(const float* in, int64_t count, float* out,
                                            const AllgatherOptions& options) {
  return Submit(
      [this, in, count, out](absl::Time deadline) -> absl::Status {
        absl::Status check = CheckIntCount(count, "allgather");
        if (!check.ok()) return check;
        const int n = static_cast<int>(count);
        const void* send = in == out + rank_ * count ? MPI_IN_PLACE : in;
        MPI_Request request;
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Iallgather(send, n, MPI_FLOAT, out, n, MPI_FLOAT, comm_, &request));
        return Poll(&request, deadline);
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Allgatherv(const void* in, int64_t bytes,
                                             std::vector<std::vector<uint8_t>>* out,
                                             const AllgatherOptions& options) {
  return Submit(
      [this, in, bytes, out](absl::Time deadline) -> absl::Status {
        absl::Status check = CheckIntCount(bytes, "allgatherv");
        if (!check.ok()) return check;
        int mine = static_cast<int>(bytes);
        std::vector<int> sizes(size_), displs(size_);
        MPI_Request request;
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Iallgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_, &request));
        absl::Status status = Poll(&request, deadline);
        if (!status.ok()) return status;
        int64_t total = 0;
        for (int r = 0; r < size_; ++r) {
          displs[r] = static_cast<int>(total);
          total += sizes[r];
        }
        check = CheckIntCount(total, "allgatherv total");
        if (!check.ok()) return check;
        std::vector<uint8_t> flat(total);
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Iallgatherv(in, mine, MPI_BYTE, flat.data(), sizes.data(),
                                                     displs.data(), MPI_BYTE, comm_, &request));
        status = Poll(&request, deadline);
        if (!status.ok()) return status;
        out->assign(size_, {});
        for (int r = 0; r < size_; ++r) {
          (*out)[r].assign(flat.begin() + displs[r], flat.begin() + displs[r] + sizes[r]);
        }
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::ReduceScatter(const float* in, float* out, int64_t count,
                                                const ReduceScatterOptions& options) {
  const ReduceOp op = options.op;
  return Submit(
      [this, in, out, count, op](absl::Time deadline) -> absl::Status {
        absl::Status check = CheckIntCount(count, "reduce_scatter");
        if (!check.ok()) return check;
        MPI_Request request;
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Ireduce_scatter_block(
            in, out, static_cast<int>(count), MPI_FLOAT, ToMpiOp(op), comm_, &request));
        absl::Status status = Poll(&request, deadline);
        if (status.ok()) FinishReduce(out, count, op, size_);
        return status;
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Barrier(const BarrierOptions& options) {
  return Submit(
      [this](absl::Time deadline) -> absl::Status {
        MPI_Request request;
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Ibarrier(comm_, &request));
        return Poll(&request, deadline);
      },
      options.timeout);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> CreateMpiBackend() {
  auto backend = std::make_unique<MpiBackend>();
  absl::Status status = backend->Init();
  if (!status.ok()) return status;
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace syncline::comm
