// Turns cudaError_t and ncclResult_t into absl::Status with the call,
// file:line and the library's own text.
#pragma once

#include <cuda_runtime.h>
#include <nccl.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace syncline::comm::internal {

inline absl::Status CudaStatus(cudaError_t code, const char* call, const char* file, int line) {
  if (code == cudaSuccess) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(call, " failed at ", file, ":", line, ": ",
                                          cudaGetErrorString(code)));
}

inline absl::Status NcclStatus(ncclResult_t code, const char* call, const char* file, int line) {
  if (code == ncclSuccess || code == ncclInProgress) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(call, " failed at ", file, ":", line, ": ",
                                          ncclGetErrorString(code), " ", ncclGetLastError(nullptr)));
}

}  // namespace syncline::comm::internal

#define SYNCLINE_CUDA_RETURN_IF_ERROR(call)                                                   \
  do {                                                                                        \
    absl::Status _s = ::syncline::comm::internal::CudaStatus((call), #call, __FILE__, __LINE__); \
    if (!_s.ok()) return _s;                                                                  \
  } while (0)

#define SYNCLINE_NCCL_RETURN_IF_ERROR(call)                                                   \
  do {                                                                                        \
    absl::Status _s = ::syncline::comm::internal::NcclStatus((call), #call, __FILE__, __LINE__); \
    if (!_s.ok()) return _s;                                                                  \
  } while (0)
