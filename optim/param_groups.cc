#include "optim/param_groups.h"

#include <cmath>
#include <regex>

#include "absl/strings/str_cat.h"

namespace syncline::optim {

absl::StatusOr<std::vector<bool>> ExclusionMask(const std::vector<core::Parameter>& params,
                                                bool exclude_1d,
                                                const std::vector<std::string>& regexes,
                                                const std::string& field) {
  std::vector<std::regex> compiled;
  for (const std::string& r : regexes) {
    // std::regex reports bad patterns by throwing; this is the only place we
    // catch, to turn user input into a Status.
    try {
      compiled.emplace_back(r);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": invalid regex \"", r, "\": ", e.what()));
    }
  }
  std::vector<bool> mask(params.size(), false);
  for (size_t i = 0; i < params.size(); ++i) {
    bool excluded = exclude_1d && params[i].value->ndim() <= 1;
    for (const std::regex& re : compiled) excluded = excluded || std::regex_search(params[i].name, re);
    mask[i] = excluded;
  }
  return mask;
}

double SquaredNorm(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return s;
}

double Norm(const float* x, int64_t n) { return std::sqrt(SquaredNorm(x, n)); }

}  // namespace syncline::optim
