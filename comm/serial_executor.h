// SerialExecutor: one background thread that runs tasks in submission order.
//
// Backends queue each collective here so that issuing it returns at once and
// the collective makes progress while the caller keeps computing (e.g.
// DataParallel issuing bucket allreduces during backward). Tasks run one at a
// time, in the order submitted, which preserves the cross-rank ordering
// contract of Backend. Submit() is thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "comm/work.h"

namespace syncline::comm {

// A Work completed by someone else calling Finish(); Wait() blocks for it.
// The first Finish wins (a watchdog may fail a task that is still running).
// Wait() itself is bounded: a task that has not finished `grace` after the
// deadline it was given is reported as DeadlineExceeded (tasks enforce their
// own deadlines; this is the backstop so Wait never hangs).
class PendingWork : public Work {
 public:
  explicit PendingWork(absl::Time deadline) : deadline_(deadline) {}
  void Finish(absl::Status status);
  absl::Status Wait() override;
  bool IsCompleted() override;

 private:
  absl::Time deadline_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  absl::Status status_;
};

// A Work that is already complete.
class DoneWork : public Work {
 public:
  explicit DoneWork(absl::Status status = absl::OkStatus()) : status_(std::move(status)) {}
  absl::Status Wait() override { return status_; }
  bool IsCompleted() override { return true; }

 private:
  absl::Status status_;
};

// The caller's handle on a PendingWork that the executor (or a watchdog)
// finishes.
class SharedWork : public Work {
 public:
  explicit SharedWork(std::shared_ptr<PendingWork> work) : work_(std::move(work)) {}
  absl::Status Wait() override { return work_->Wait(); }
  bool IsCompleted() override { return work_->IsCompleted(); }

 private:
  std::shared_ptr<PendingWork> work_;
};

class SerialExecutor {
 public:
  SerialExecutor();
  // Runs the tasks already queued, then joins the thread.
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Queues `task`; the returned Work finishes with its status. `deadline`
  // bounds Wait() (see PendingWork).
  std::unique_ptr<Work> Submit(std::function<absl::Status()> task, absl::Time deadline);
  // Queues `task`, which reports its own result (e.g. to a PendingWork).
  void Post(std::function<void()> task);
  // Runs `task` on the executor thread and waits for it without a deadline
  // (for setup/teardown such as MPI_Init that must happen on that thread).
  void RunSync(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace syncline::comm
