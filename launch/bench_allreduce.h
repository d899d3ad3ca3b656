// `syncline bench allreduce`: bus bandwidth of syncline's allreduce against
// the backend library's own (raw MPI_Allreduce), measured in the same run.
#pragma once

#include "launch/subcommands.h"

namespace syncline::launch {

// `syncline bench <what> ...`; what = allreduce.
int BenchCommand(const Args& args);
int BenchAllreduce(const Args& args);

}  // namespace syncline::launch
