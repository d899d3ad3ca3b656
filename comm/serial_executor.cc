#include "comm/serial_executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace syncline::comm {
namespace {
// How long past its deadline a task may still finish before Wait gives up.
constexpr absl::Duration kWaitGrace = absl::Seconds(5);
}  // namespace

void PendingWork::Finish(absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  status_ = std::move(status);
  done_ = true;
  cv_.notify_all();
}

absl::Status PendingWork::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  const absl::Time limit = deadline_ + kWaitGrace;
  while (!done_) {
    const absl::Duration left = limit - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          "collective did not finish within its timeout (the backend thread is stuck)");
    }
    // Wake at least every second: huge durations overflow chrono's clocks.
    cv_.wait_for(lock, absl::ToChronoNanoseconds(std::min(left, absl::Seconds(1))));
  }
  return status_;
}

bool PendingWork::IsCompleted() {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

SerialExecutor::SerialExecutor() : thread_([this] { Loop(); }) {}

SerialExecutor::~SerialExecutor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

std::unique_ptr<Work> SerialExecutor::Submit(std::function<absl::Status()> task,
                                             absl::Time deadline) {
  auto work = std::make_shared<PendingWork>(deadline);
  // The queue keeps the shared state alive; the caller holds a thin wrapper.
  Post([work, task = std::move(task)] { work->Finish(task()); });
  return std::make_unique<SharedWork>(std::move(work));
}

void SerialExecutor::Post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(task));
  cv_.notify_all();
}

void SerialExecutor::RunSync(std::function<void()> task) {
  auto work = std::make_shared<PendingWork>(absl::InfiniteFuture());
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back([work, task = std::move(task)] {
      task();
      work->Finish(absl::OkStatus());
    });
    cv_.notify_all();
  }
  work->Wait().IgnoreError();
}

void SerialExecutor::Loop() {
  for (;;) {
    std::function<void()> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and drained
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next();
  }
}

}  // namespace syncline::comm
