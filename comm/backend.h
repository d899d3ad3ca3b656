// Backend: the collectives syncline uses, implemented by comm/local, comm/mpi,
// comm/nccl and comm/fake. Only comm/ includes backend headers; everything
// above talks to Communicator.
//
// All functions are expected to be called in the same order, with matching
// sizes, across all ranks of the group. Buffers must stay alive and untouched
// until the returned Work's Wait() returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "comm/options.h"
#include "comm/work.h"
#include "comm/serial_executor.h"

namespace syncline::comm {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string name() const = 0;

  // In place: data[i] = op over ranks of data[i].
  virtual std::unique_ptr<Work> Allreduce(float* data, int64_t count,
                                          const AllreduceOptions& options) = 0;
  // In place: every rank receives the root's `bytes` bytes.
  virtual std::unique_ptr<Work> Broadcast(void* data, int64_t bytes,
                                          const BroadcastOptions& options) = 0;
  // out (size() * count floats) = concatenation of every rank's `count` floats, by rank.
  virtual std::unique_ptr<Work> Allgather(const float* in, int64_t count, float* out,
                                          const AllgatherOptions& options) = 0;
  // Variable-size byte allgather: (*out)[r] receives rank r's bytes.
  virtual std::unique_ptr<Work> Allgatherv(const void* in, int64_t bytes,
                                           std::vector<std::vector<uint8_t>>* out,
                                           const AllgatherOptions& options) = 0;
  // in has size() * count floats; out (count floats) = op over ranks of block rank().
  virtual std::unique_ptr<Work> ReduceScatter(const float* in, float* out, int64_t count,
                                              const ReduceScatterOptions& options) = 0;
  virtual std::unique_ptr<Work> Barrier(const BarrierOptions& options) = 0;

  // The underlying library's own blocking allreduce-sum (MPI_Allreduce for
  // mpi), used only by `syncline bench allreduce` as the peer to compare
  // against in the same run. Backends without such a peer return Unimplemented.
  virtual std::unique_ptr<Work> ReferenceAllreduce(float* data, int64_t count);
};

}  // namespace syncline::comm
