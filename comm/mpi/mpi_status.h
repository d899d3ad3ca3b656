// Turns an MPI return code into an absl::Status carrying the call,
// file:line and MPI's own text (MPI_Error_string).
#pragma once

#include <mpi.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace syncline::comm::internal {

inline absl::Status MpiStatus(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return absl::OkStatus();
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(code, text, &len);
  return absl::InternalError(
      absl::StrCat(call, " failed at ", file, ":", line, ": ", std::string(text, len)));
}

}  // namespace syncline::comm::internal

#define SYNCLINE_MPI_RETURN_IF_ERROR(call)                                                  \
  do {                                                                                      \
    absl::Status _s = ::syncline::comm::internal::MpiStatus((call), #call, __FILE__, __LINE__); \
    if (!_s.ok()) return _s;                                                                \
  } while (0)
