#include "comm/compress/lgreco.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comm/compress/powersgd.h"

namespace syncline::comm::compress {
namespace {

bool ValidBits(int bits) { return (bits >= 1 && bits <= 16) || bits == 32; }

void SortUnique(std::vector<double>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end(),
                       [](double a, double b) { return std::fabs(a - b) <= 1e-12 * std::fabs(b); }),
           v->end());
}

}  // namespace

std::vector<CompressionProblem> FindCompressionProblems(const proto::CompressionConfig& c) {
  std::vector<CompressionProblem> problems;
  auto check = [&](bool ok, const char* field, const std::string& why) {
    if (!ok) problems.push_back({field, why});
  };
  const std::string& m = c.method();
  check(m == "none" || m == "fp16" || m == "powersgd" || m == "topk" || m == "qsgd", "method",
        absl::StrCat("\"", m, "\" is not one of none, fp16, powersgd, topk, qsgd"));
  check(!c.lgreco() || m == "powersgd" || m == "topk" || m == "qsgd", "lgreco",
        absl::StrCat("needs method powersgd, topk or qsgd, not \"", m, "\""));
  const bool stateful = c.error_feedback() || (m == "powersgd" && c.powersgd_warm_start());
  check(c.start_step() >= 0, "start_step", "must be >= 0 (0 = auto)");
  check(m == "none" || !stateful || c.start_step() == 0 || c.start_step() >= 2, "start_step",
        "must be 0 (auto) or >= 2 when error feedback or warm start is on");
  check(c.start_fraction() >= 0.0 && c.start_fraction() < 1.0, "start_fraction",
        "must be in [0, 1)");
  check(c.powersgd_rank() >= 1, "powersgd_rank", "must be >= 1");
  check(c.topk_density() > 0.0 && c.topk_density() <= 1.0, "topk_density", "must be in (0, 1]");
  check(ValidBits(c.qsgd_bits()), "qsgd_bits", "must be 1..16 or 32");
  check(c.qsgd_bucket_size() >= 1, "qsgd_bucket_size", "must be >= 1");
  check(c.min_compression_rate() >= 0.0, "min_compression_rate", "must be >= 0");
  check(c.lgreco_adjust_every() >= 1, "lgreco_adjust_every", "must be >= 1");
  check(c.lgreco_window() >= 1 && c.lgreco_window() < c.lgreco_adjust_every(), "lgreco_window",
        "must be >= 1 and < lgreco_adjust_every");
  check(c.lgreco_accum_scale() > 0.0, "lgreco_accum_scale", "must be > 0");
  check(c.lgreco_alpha() > 0.0, "lgreco_alpha", "must be > 0");
  check(c.lgreco_rank_min_factor() > 0.0 &&
            c.lgreco_rank_min_factor() <= c.lgreco_rank_max_factor() &&
            c.lgreco_rank_min_factor() <= 1.0 && c.lgreco_rank_max_factor() >= 1.0,
        "lgreco_rank_min_factor", "need 0 < min <= 1 <= max (lgreco_rank_max_factor)");
  check(c.lgreco_topk_density_min() > 0.0 && c.lgreco_topk_density_step() > 0.0 &&
            c.lgreco_topk_density_max() <= 1.0 &&
            c.lgreco_topk_density_min() <= c.lgreco_topk_density_max(),
        "lgreco_topk_density_min", "need 0 < min <= max <= 1 and step > 0");
  for (int b : c.lgreco_qsgd_bits_set()) {
    check(ValidBits(b), "lgreco_qsgd_bits_set", absl::StrCat(b, " is not 1..16 or 32"));
  }
  check(c.lgreco_dp_buckets() >= 1 && c.lgreco_dp_buckets() <= 10000000, "lgreco_dp_buckets",
        "must be in [1, 1e7]");
  check(c.lgreco_error_method() == "power" || c.lgreco_error_method() == "svd",
        "lgreco_error_method", "must be \"power\" or \"svd\"");
  check(c.lgreco_power_iters() >= 1, "lgreco_power_iters", "must be >= 1");
  check(c.lgreco_error_source() == "local_rank0" || c.lgreco_error_source() == "global",
        "lgreco_error_source", "must be \"local_rank0\" or \"global\"");
  check(c.lgreco_rounding() == "fixed" || c.lgreco_rounding() == "reference", "lgreco_rounding",
        "must be \"fixed\" or \"reference\"");
  return problems;
}

absl::Status ValidateCompressionConfig(const proto::CompressionConfig& config) {
  std::vector<std::string> lines;
  for (const CompressionProblem& p : FindCompressionProblems(config)) {
    lines.push_back(absl::StrCat("compression.", p.field, ": ", p.message));
  }
  if (lines.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(lines, "; "));
}

int64_t ResolveStartStep(const proto::CompressionConfig& c, int64_t total_steps) {
  if (c.start_step() != 0) return c.start_step();
  const auto auto_steps =
      static_cast<int64_t>(std::ceil(c.start_fraction() * static_cast<double>(total_steps)));
  return std::max<int64_t>(2, auto_steps);
}

double BaseSetting(const proto::CompressionConfig& c) {
  if (c.method() == "powersgd") return c.powersgd_rank();
  if (c.method() == "topk") return c.topk_density();
  if (c.method() == "qsgd") return c.qsgd_bits();
  return 0.0;
}

std::vector<double> CandidateSettings(const proto::CompressionConfig& c, int64_t rows,
                                      int64_t cols) {
  std::vector<double> out;
  const double base = BaseSetting(c);
  if (c.method() == "powersgd") {
    const int64_t cap = std::min(rows, cols);
    const int64_t r = c.powersgd_rank();
    int64_t lo = std::max<int64_t>(1, static_cast<int64_t>(std::floor(c.lgreco_rank_min_factor() * r)));
    int64_t hi = static_cast<int64_t>(std::ceil(c.lgreco_rank_max_factor() * r));
    if (!c.lgreco()) lo = hi = r;
    for (int64_t k = lo; k <= hi; ++k) out.push_back(static_cast<double>(std::min(k, cap)));
  } else if (!c.lgreco()) {
    out.push_back(base);
  } else if (c.method() == "topk") {
    const double lo = c.lgreco_topk_density_min(), step = c.lgreco_topk_density_step();
    const int64_t n = static_cast<int64_t>(std::floor((c.lgreco_topk_density_max() - lo) / step + 1e-9));
    for (int64_t i = 0; i <= n; ++i) out.push_back(lo + static_cast<double>(i) * step);
    out.push_back(base);
  } else if (c.method() == "qsgd") {
    if (c.lgreco_qsgd_bits_set().empty()) {
      out = {2, 3, 4, 5, 6};
    } else {
      for (int b : c.lgreco_qsgd_bits_set()) out.push_back(b);
    }
    out.push_back(base);
  } else {
    out.push_back(base);
  }
  SortUnique(&out);
  return out;
}

int BaseIndex(const proto::CompressionConfig& c, const std::vector<double>& candidates,
              int64_t rows, int64_t cols) {
  double base = BaseSetting(c);
  if (c.method() == "powersgd") base = std::min<double>(base, std::min(rows, cols));
  int best = 0;
  for (size_t i = 1; i < candidates.size(); ++i) {
    if (std::fabs(candidates[i] - base) < std::fabs(candidates[best] - base)) best = static_cast<int>(i);
  }
  return best;
}

bool IsCompressible(const proto::CompressionConfig& c, const Compressor& family,
                    const core::Shape& shape) {
  if (shape.size() < 2) return false;
  const int64_t numel = core::NumElements(shape);
  if (numel == 0) return false;
  if (c.method() == "fp16") return true;  // fp16 always halves; the rate test would exclude all
  const int64_t rows = shape[0], cols = numel / rows;
  const double compressed = static_cast<double>(family.WireBytes(rows, cols, BaseSetting(c)));
  return 4.0 * static_cast<double>(numel) > c.min_compression_rate() * compressed;
}

KnapsackResult SolveLgreco(const proto::CompressionConfig& config, const Compressor& family,
                           const std::vector<const float*>& accum,
                           const std::vector<int64_t>& rows, const std::vector<int64_t>& cols,
                           const std::vector<std::vector<double>>& candidates,
                           const std::vector<int>& base_index, std::vector<LayerTable>* tables) {
  std::vector<std::vector<double>> errors(accum.size());
  std::vector<std::vector<int64_t>> sizes(accum.size());
  for (size_t l = 0; l < accum.size(); ++l) {
    errors[l] = family.Errors(accum[l], rows[l], cols[l], candidates[l], static_cast<int>(l));
    for (double s : candidates[l]) sizes[l].push_back(family.WireBytes(rows[l], cols[l], s));
  }
  if (tables != nullptr) {
    tables->resize(accum.size());
    for (size_t l = 0; l < accum.size(); ++l) (*tables)[l] = {errors[l], sizes[l]};
  }
  const Rounding rounding =
      config.lgreco_rounding() == "reference" ? Rounding::kReference : Rounding::kFixed;
  return SolveKnapsack(errors, sizes, base_index, config.lgreco_alpha(),
                       config.lgreco_dp_buckets(), rounding);
}

}  // namespace syncline::comm::compress
