// LocalBackend: one rank of a LocalWorld (N ranks as threads in one process).
// Collectives run on a per-rank background thread, so issuing returns at once
// and Wait() blocks; every collective honours its timeout, and ranks that
// disagree on a collective's kind or size get InvalidArgument naming both.
#pragma once

#include <memory>
#include <vector>

#include "comm/backend.h"
#include "comm/local/local_world.h"
#include "comm/serial_executor.h"

namespace syncline::comm {

class LocalBackend : public Backend {
 public:
  LocalBackend(std::shared_ptr<LocalWorld> world, int rank);

  // N backends sharing one fresh LocalWorld; element r has rank r.
  static std::vector<std::unique_ptr<Backend>> CreateWorld(int size);

  int rank() const override { return rank_; }
  int size() const override { return world_->size(); }
  std::string name() const override { return "local"; }

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
  // The body of one collective, run on the executor with its slot joined and
  // phase 0 (everyone has published in/out/fingerprint) already met.
  using Body = std::function<absl::Status(LocalWorld::Slot&, absl::Time deadline)>;
  std::unique_ptr<Work> Run(Fingerprint fp, const void* in, void* out, int64_t bytes,
                            absl::Duration timeout, Body body);
  absl::Status CheckFingerprints(const LocalWorld::Slot& slot) const;

  std::shared_ptr<LocalWorld> world_;
  const int rank_;
  int64_t sequence_ = 0;
  SerialExecutor executor_;  // last: joined before the members above go away
};

}  // namespace syncline::comm
