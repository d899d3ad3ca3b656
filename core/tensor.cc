#include "core/tensor.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "core/check.h"

namespace syncline::core {

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    SYNCLINE_CHECK_GE(d, 0) << "negative dimension";
    n *= d;
  }
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)), data_(NumElements(shape_), 0.0f) {}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)), data_(NumElements(shape_), fill) {}

Tensor::Tensor(Shape shape, std::vector<float> values)
    : shape_(std::move(shape)), data_(std::move(values)) {
  SYNCLINE_CHECK_EQ(NumElements(shape_), static_cast<int64_t>(data_.size()))
      << ShapeToString(shape_);
}

int64_t Tensor::dim(int i) const {
  if (i < 0) i += ndim();
  SYNCLINE_CHECK(i >= 0 && i < ndim()) << "dim " << i << " of " << ShapeString();
  return shape_[i];
}

void Tensor::Reshape(Shape shape) {
  SYNCLINE_CHECK_EQ(NumElements(shape), numel()) << ShapeToString(shape) << " from " << ShapeString();
  shape_ = std::move(shape);
}

void Tensor::Resize(const Shape& shape) {
  shape_ = shape;
  data_.resize(NumElements(shape_));
}

void Tensor::Fill(float value) { std::fill(data_.begin(), data_.end(), value); }

std::string Tensor::ShapeString() const { return ShapeToString(shape_); }

}  // namespace syncline::core
