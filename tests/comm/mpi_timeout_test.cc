// A collective that a live peer never joins fails with DeadlineExceeded
// within its timeout (the MPI thread stays blocked in MPI_Allreduce; the
// watchdog reports), a call queued behind it fails at once with the cause
// instead of waiting for its own deadline, later calls fail at once, and the
// process still exits.
// Run by mpi_timeout_test.sh under mpirun -np 2; prints PASS/FAIL lines and
// exits 0 on success. Rank 1 never joins and leaves with _Exit after 4 s.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/time/clock.h"
#include "comm/communicator.h"
#include "comm/mpi/mpi_backend.h"

namespace syncline::comm {
namespace {

int Fail(const char* what, const absl::Status& s) {
  std::printf("FAIL: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

int Run() {
  auto backend = CreateMpiBackend();
  if (!backend.ok()) return Fail("init", backend.status());
  Communicator comm(std::move(*backend));
  if (comm.rank() != 0) {
    sleep(4);
    std::fflush(stdout);
    std::_Exit(0);  // never joins; skips MPI_Finalize so rank 0 is not waited for
  }
  std::vector<float> data(1 << 20, 1.0f), queued(16, 1.0f);
  AllreduceOptions o;
  o.timeout = absl::Seconds(1);
  AllreduceOptions patient;
  patient.timeout = absl::Seconds(30);
  const absl::Time start = absl::Now();
  auto first = comm.AllreduceAsync(data.data(), static_cast<int64_t>(data.size()), o);
  auto behind = comm.AllreduceAsync(queued.data(), static_cast<int64_t>(queued.size()), patient);
  absl::Status s = first->Wait();
  const absl::Duration took = absl::Now() - start;
  if (s.code() != absl::StatusCode::kDeadlineExceeded) return Fail("want DeadlineExceeded", s);
  if (took > absl::Seconds(3)) return Fail("deadline reported late", s);
  s = behind->Wait();
  const absl::Duration behind_took = absl::Now() - start;
  if (s.code() != absl::StatusCode::kFailedPrecondition) return Fail("queued: want FailedPrecondition", s);
  if (behind_took > absl::Seconds(4)) return Fail("queued call failed late (own deadline?)", s);
  if (s.message().find("no completion within the timeout") == absl::string_view::npos) {
    return Fail("queued call does not name the cause", s);
  }
  s = comm.Barrier();
  if (s.code() != absl::StatusCode::kFailedPrecondition) return Fail("want FailedPrecondition", s);
  std::printf("PASS: %s (after %s; queued call after %s)\n", std::string(s.message()).c_str(),
              absl::FormatDuration(took).c_str(), absl::FormatDuration(behind_took).c_str());
  return 0;  // destroys the backend with its MPI thread still blocked
}

}  // namespace
}  // namespace syncline::comm

int main() { return syncline::comm::Run(); }
