// Work: the handle every collective returns. Errors raised while the
// collective runs (timeouts, lost peers, mismatched shapes) are kept in the
// handle and surface at Wait().
#pragma once

#include "absl/status/status.h"

namespace syncline::comm {

class Work {
 public:
  virtual ~Work() = default;
  // Blocks until the collective finishes or its timeout passes; returns OK,
  // DeadlineExceeded, Unavailable (a peer is gone) or InvalidArgument
  // (ranks disagree on the collective). The buffers may be used after Wait.
  virtual absl::Status Wait() = 0;
  virtual bool IsCompleted() = 0;
};

}  // namespace syncline::comm
