// Per-rank compressor state in a single checkpoint. Error-feedback
// residuals differ between ranks, but rank 0 alone writes the checkpoint, so
// every rank's GradientCompressor::SaveState is gathered into one StateProto
// whose entries carry a "rank<r>/" prefix; on resume each rank takes its own.
#pragma once

#include "absl/status/status.h"
#include "comm/communicator.h"
#include "comm/compress/gradient_compressor.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::comm::compress {

// Collective (every rank calls it, same point): fills *combined on every rank.
absl::Status GatherRankStates(const GradientCompressor& compressor, Communicator& comm,
                              proto::StateProto* combined);

// Loads this rank's part of a combined state; the world size must match.
absl::Status LoadRankState(const proto::StateProto& combined, int rank, int world_size,
                           GradientCompressor* compressor);

}  // namespace syncline::comm::compress
