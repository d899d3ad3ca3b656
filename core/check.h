// Invariant checks for broken programs (not for bad input: that is absl::Status).
// SYNCLINE_CHECK_EQ(a, b) << "context" prints both operands and file:line, then aborts.
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace syncline::core::internal {

// Collects a message and aborts in its destructor.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* what) {
    stream_ << file << ":" << line << ": check failed: " << what << " ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << stream_.str() << std::endl;
    std::abort();
  }
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace syncline::core::internal

#define SYNCLINE_CHECK(cond)                 \
  (cond) ? (void)0                           \
         : ::syncline::core::internal::Voidify() & \
               ::syncline::core::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()

#define SYNCLINE_CHECK_OP(a, op, b)                                                   \
  ((a)op(b)) ? (void)0                                                                \
             : ::syncline::core::internal::Voidify() &                                \
                   ::syncline::core::internal::CheckFailure(__FILE__, __LINE__,       \
                                                            #a " " #op " " #b)        \
                           .stream()                                                  \
                       << "(" << (a) << " vs " << (b) << ") "

#define SYNCLINE_CHECK_EQ(a, b) SYNCLINE_CHECK_OP(a, ==, b)
#define SYNCLINE_CHECK_NE(a, b) SYNCLINE_CHECK_OP(a, !=, b)
#define SYNCLINE_CHECK_LT(a, b) SYNCLINE_CHECK_OP(a, <, b)
#define SYNCLINE_CHECK_LE(a, b) SYNCLINE_CHECK_OP(a, <=, b)
#define SYNCLINE_CHECK_GT(a, b) SYNCLINE_CHECK_OP(a, >, b)
#define SYNCLINE_CHECK_GE(a, b) SYNCLINE_CHECK_OP(a, >=, b)
