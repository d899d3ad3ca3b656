#include "launch/bench_allreduce.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comm/backend_registry.h"
#include "comm/launch_env.h"
#include "launch/flags.h"

namespace syncline::launch {
namespace {

struct Result {
  int64_t bytes;
  double syncline_busbw;
  double reference_busbw;
};

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds per call over `rounds` blocks of `iters` calls of `fn`.
template <typename Fn>
absl::StatusOr<double> TimeBlocks(comm::Communicator& comm, int rounds, int iters, Fn fn) {
  std::vector<double> per_call;
  for (int r = 0; r < rounds; ++r) {
    absl::Status s = comm.Barrier();
    if (!s.ok()) return s;
    const double start = Seconds();
    for (int i = 0; i < iters; ++i) {
      s = fn();
      if (!s.ok()) return s;
    }
    // The slowest rank defines the collective's time.
    float elapsed = static_cast<float>((Seconds() - start) / iters);
    comm::AllreduceOptions o;
    o.op = comm::ReduceOp::kMax;
    s = comm.Allreduce(&elapsed, 1, o);
    if (!s.ok()) return s;
    per_call.push_back(elapsed);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

absl::StatusOr<Result> MeasureSize(comm::Communicator& comm, int64_t bytes) {
  const int64_t count = bytes / 4;
  std::vector<float> data(count, 1.0f);
  // About 64 MiB moved per block, at least 3 and at most 200 calls.
  const int iters = static_cast<int>(std::clamp<int64_t>((int64_t{64} << 20) / bytes, 3, 200));
  auto ours = [&] { return comm.Allreduce(data.data(), count); };
  auto reference = [&] { return comm.backend().ReferenceAllreduce(data.data(), count)->Wait(); };
  absl::Status warm = ours();
  if (warm.ok()) warm = reference();
  if (!warm.ok()) return warm;
  const double factor = 2.0 * (comm.size() - 1) / comm.size();
  Result out{bytes, 0, 0};
  // Interleave the two so drifting machine load hits both alike.
  std::vector<double> ours_t, ref_t;
  for (int round = 0; round < 5; ++round) {
    auto a = TimeBlocks(comm, 1, iters, ours);
    if (!a.ok()) return a.status();
    auto b = TimeBlocks(comm, 1, iters, reference);
    if (!b.ok()) return b.status();
    ours_t.push_back(*a);
    ref_t.push_back(*b);
  }
  std::sort(ours_t.begin(), ours_t.end());
  std::sort(ref_t.begin(), ref_t.end());
  out.syncline_busbw = bytes / ours_t[2] * factor / 1e9;
  out.reference_busbw = bytes / ref_t[2] * factor / 1e9;
  return out;
}

}  // namespace

int BenchCommand(const Args& args) {
  if (!args.empty() && args[0] == "allreduce") return BenchAllreduce(Args(args.begin() + 1, args.end()));
  std::fprintf(stderr, "usage: syncline bench allreduce [--json OUT] [--min_bytes N] [--max_bytes N]\n");
  return 2;
}

int BenchAllreduce(const Args& args) {
  std::string json_path, min_text = "4096", max_text = "67108864", backend = "auto";
  FlagSet flags("syncline bench allreduce [--json OUT] [--min_bytes N] [--max_bytes N] [--backend B]");
  flags.String("json", &json_path, "write one JSON line per message size here (rank 0)");
  flags.String("min_bytes", &min_text, "smallest message (bytes, default 4 KiB)");
  flags.String("max_bytes", &max_text, "largest message (bytes, default 64 MiB)");
  flags.String("backend", &backend, "comm.backend (default auto)");
  absl::Status status = flags.Parse(args);
  int64_t min_bytes = 0, max_bytes = 0;
  if (status.ok() && (!absl::SimpleAtoi(min_text, &min_bytes) || !absl::SimpleAtoi(max_text, &max_bytes) ||
                      min_bytes < 4 || max_bytes < min_bytes)) {
    status = absl::InvalidArgumentError("--min_bytes/--max_bytes must be integers, 4 <= min <= max");
  }
  if (!status.ok() || flags.help_requested()) {
    std::fprintf(stderr, "%s\n%s", status.ToString().c_str(), flags.Usage().c_str());
    return status.ok() ? 0 : 2;
  }
  auto env = comm::ReadLaunchEnv();
  if (!env.ok()) {
    std::fprintf(stderr, "syncline bench: %s\n", env.status().ToString().c_str());
    return 1;
  }
  proto::CommConfig config;
  config.set_backend(backend);
  auto comm = comm::CreateCommunicator(config, *env);
  if (!comm.ok()) {
    std::fprintf(stderr, "syncline bench: %s\n", comm.status().ToString().c_str());
    return 1;
  }
  const bool lead = (*comm)->rank() == 0;
  std::ofstream json;
  if (lead && !json_path.empty()) {
    json.open(json_path);
    if (!json) {
      std::fprintf(stderr, "syncline bench: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  if (lead) {
    std::printf("allreduce, %d ranks, backend %s (busbw = algbw * 2(n-1)/n)\n", (*comm)->size(),
                (*comm)->backend_name().c_str());
    std::printf("%12s %16s %16s %8s\n", "bytes", "syncline GB/s", "reference GB/s", "ratio");
  }
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    auto r = MeasureSize(**comm, bytes);
    if (!r.ok()) {
      std::fprintf(stderr, "syncline bench: rank %d: %s\n", (*comm)->rank(), r.status().ToString().c_str());
      return 1;
    }
    if (!lead) continue;
    const double ratio = r->reference_busbw > 0 ? r->syncline_busbw / r->reference_busbw : 0;
    std::printf("%12lld %16.3f %16.3f %8.3f\n", static_cast<long long>(bytes), r->syncline_busbw,
                r->reference_busbw, ratio);
    std::fflush(stdout);
    if (json.is_open()) {
      json << absl::StrFormat(
          "{\"bytes\":%d,\"ranks\":%d,\"backend\":\"%s\",\"syncline_busbw_gbps\":%.6f,"
          "\"mpi_busbw_gbps\":%.6f,\"ratio\":%.4f}\n",
          bytes, (*comm)->size(), (*comm)->backend_name(), r->syncline_busbw, r->reference_busbw, ratio);
      json.flush();
    }
  }
  return 0;
}

}  // namespace syncline::launch
