#include "comm/mpi/mpi_backend.h"

#include <mpi.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <mutex>
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
  // Queues `task` (run on the MPI thread, watched) unless the backend is
  // broken; a failing task breaks the backend.
  std::unique_ptr<Work> Submit(std::function<absl::Status()> task, absl::Duration timeout);
  // Watchdog thread: fails the running task when it passes its deadline or a
  // peer process on this host has exited.
  void Watch();
  absl::Status CheckPeersAlive() const;
  // Marks the backend broken by `cause` (the first cause is kept). Caller
  // holds watch_mu_.
  void BreakLocked(const absl::Status& cause);
  // The error every call gets once the backend is broken. Caller holds watch_mu_.
  absl::Status UnusableLocked() const;

  int rank_ = 0;
  int size_ = 1;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::vector<PeerInfo> peers_;
  std::atomic<bool> peers_known_{false};
  std::atomic<bool> broken_{false};

  // The task now inside MPI (null when idle) and the tasks queued behind it,
  // shared with the watchdog: when it gives up on the running task the MPI
  // thread stays blocked, so it fails the queued ones too, at once.
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  std::shared_ptr<PendingWork> running_;
  std::vector<std::shared_ptr<PendingWork>> queued_;
  absl::Status first_failure_;
  absl::Time running_deadline_;
  bool stuck_ = false;  // the watchdog gave up on a task still inside MPI
  bool stop_watch_ = false;
  std::thread watchdog_;
  std::unique_ptr<SerialExecutor> executor_;
};

absl::Status MpiBackend::Init() {
  watchdog_ = std::thread([this] { Watch(); });
  return Submit([this] { return InitOnThread(); }, kDefaultTimeout)->Wait();
}

absl::Status MpiBackend::InitOnThread() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return absl::FailedPreconditionError("MPI is already initialized");
  // The MPI thread spins while it waits; let it yield to the compute threads
  // it shares the cores with (the user's setting wins).
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", /*overwrite=*/0);
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
  std::vector<PeerInfo> peers(size_);
  SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, peers.data(),
                                             sizeof(mine), MPI_BYTE, comm_));
  std::lock_guard<std::mutex> lock(watch_mu_);
  peers_ = std::move(peers);
  peers_known_ = true;
  return absl::OkStatus();
}

MpiBackend::~MpiBackend() {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    stop_watch_ = true;
    watch_cv_.notify_all();
  }
  watchdog_.join();
  if (stuck_) {
    // The MPI thread is blocked in a collective that can never finish (a peer
    // is gone); joining it would hang, so it is left to die with the process.
    (void)executor_.release();
    return;
  }
  if (!broken_) {
    executor_->RunSync([this] {
      MPI_Comm_free(&comm_);
      MPI_Finalize();
    });
  }
  executor_.reset();
}

absl::Status MpiBackend::CheckPeersAlive() const {
  if (!peers_known_) return absl::OkStatus();
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

void MpiBackend::Watch() {
  std::unique_lock<std::mutex> lock(watch_mu_);
  while (!stop_watch_) {
    watch_cv_.wait_for(lock, absl::ToChronoNanoseconds(kLivenessEvery));
    if (running_ == nullptr) continue;
    absl::Status failure = CheckPeersAlive();
    const absl::Time now = absl::Now();
    if (failure.ok() && now >= running_deadline_) {
      failure = absl::DeadlineExceededError(
          "no completion within the timeout; a peer rank is stuck, diverged, or lost on "
          "another host");
    }
    if (failure.ok()) continue;
    // The MPI call cannot be interrupted: report now, and never use MPI again.
    stuck_ = true;
    BreakLocked(failure);
    running_->Finish(std::move(failure));
    running_.reset();
    for (auto& queued : queued_) queued->Finish(UnusableLocked());
    queued_.clear();
  }
}

void MpiBackend::BreakLocked(const absl::Status& cause) {
  if (first_failure_.ok()) first_failure_ = cause;
  broken_ = true;
}

absl::Status MpiBackend::UnusableLocked() const {
  return absl::FailedPreconditionError(absl::StrCat(
      "MPI backend is unusable after an earlier failure: ", first_failure_.message()));
}

std::unique_ptr<Work> MpiBackend::Submit(std::function<absl::Status()> task,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  auto work = std::make_shared<PendingWork>(deadline);
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    // At once when broken: the MPI thread may be blocked for good.
    if (broken_) return std::make_unique<DoneWork>(UnusableLocked());
    queued_.push_back(work);
  }
  executor_->Post([this, work, task = std::move(task), deadline] {
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      std::erase(queued_, work);
      if (broken_) {
        work->Finish(UnusableLocked());  // no-op if the watchdog already failed it
        return;
      }
      running_ = work;
      running_deadline_ = deadline;
    }
    absl::Status status = task();
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      running_.reset();
      if (!status.ok()) BreakLocked(status);
    }
    work->Finish(std::move(status));  // no-op if the watchdog already failed it
  });
  return std::make_unique<SharedWork>(std::move(work));
}

std::unique_ptr<Work> MpiBackend::Allreduce(float* data, int64_t count,
                                            const AllreduceOptions& options) {
  const int64_t chunk = options.max_chunk_bytes > 0
                            ? std::max<int64_t>(1, options.max_chunk_bytes / 4)
                            : int64_t{1} << 28;
  const ReduceOp op = options.op;
  return Submit(
      [this, data, count, chunk, op]() -> absl::Status {
        for (int64_t lo = 0; lo < count; lo += chunk) {
          const int n = static_cast<int>(std::min(chunk, count - lo));
          SYNCLINE_MPI_RETURN_IF_ERROR(
              MPI_Allreduce(MPI_IN_PLACE, data + lo, n, MPI_FLOAT, ToMpiOp(op), comm_));
        }
        FinishReduce(data, count, op, size_);
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::ReferenceAllreduce(float* data, int64_t count) {
  return Submit(
      [this, data, count]() -> absl::Status {
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
      [this, data, bytes, root]() -> absl::Status {
        absl::Status check = CheckIntCount(bytes, "broadcast");
        if (!check.ok()) return check;
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, root, comm_));
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Allgather(const float* in, int64_t count, float* out,
                                            const AllgatherOptions& options) {
  return Submit(
      [this, in, count, out]() -> absl::Status {
        absl::Status check = CheckIntCount(count, "allgather");
        if (!check.ok()) return check;
        const int n = static_cast<int>(count);
        const void* send = in == out + rank_ * count ? MPI_IN_PLACE : in;
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Allgather(send, n, MPI_FLOAT, out, n, MPI_FLOAT, comm_));
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Allgatherv(const void* in, int64_t bytes,
                                             std::vector<std::vector<uint8_t>>* out,
                                             const AllgatherOptions& options) {
  return Submit(
      [this, in, bytes, out]() -> absl::Status {
        absl::Status check = CheckIntCount(bytes, "allgatherv");
        if (!check.ok()) return check;
        int mine = static_cast<int>(bytes);
        std::vector<int> sizes(size_), displs(size_);
        SYNCLINE_MPI_RETURN_IF_ERROR(
            MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_));
        int64_t total = 0;
        for (int r = 0; r < size_; ++r) {
          displs[r] = static_cast<int>(total);
          total += sizes[r];
        }
        check = CheckIntCount(total, "allgatherv total");
        if (!check.ok()) return check;
        std::vector<uint8_t> flat(total);
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Allgatherv(in, mine, MPI_BYTE, flat.data(), sizes.data(),
                                                    displs.data(), MPI_BYTE, comm_));
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
      [this, in, out, count, op]() -> absl::Status {
        absl::Status check = CheckIntCount(count, "reduce_scatter");
        if (!check.ok()) return check;
        SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Reduce_scatter_block(
            in, out, static_cast<int>(count), MPI_FLOAT, ToMpiOp(op), comm_));
        FinishReduce(out, count, op, size_);
        return absl::OkStatus();
      },
      options.timeout);
}

std::unique_ptr<Work> MpiBackend::Barrier(const BarrierOptions& options) {
  return Submit([this]() -> absl::Status {
    SYNCLINE_MPI_RETURN_IF_ERROR(MPI_Barrier(comm_));
    return absl::OkStatus();
  }, options.timeout);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> CreateMpiBackend() {
  auto backend = std::make_unique<MpiBackend>();
  absl::Status status = backend->Init();
  if (!status.ok()) return status;
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace syncline::comm
