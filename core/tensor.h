// Tensor: a float32, contiguous, row-major array with a shape.
//
// Value semantics: copying a Tensor copies its elements (use std::move on hot
// paths; moves are O(1)). A default-constructed Tensor is empty (numel 0,
// no dimensions). Not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace syncline::core {

enum class Device { kCpu, kCuda };

using Shape = std::vector<int64_t>;

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given shape.
  explicit Tensor(Shape shape);
  Tensor(Shape shape, float fill);
  // Takes ownership of values; values.size() must equal the shape's product.
  Tensor(Shape shape, std::vector<float> values);

  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  // Size of dimension i; negative i counts from the end.
  int64_t dim(int i) const;
  int64_t numel() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }
  Device device() const { return Device::kCpu; }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }
  std::vector<float>& vec() { return data_; }
  const std::vector<float>& vec() const { return data_; }

  // Changes the shape in place; the element count must not change.
  void Reshape(Shape shape);
  // Resizes to `shape`, keeping capacity; contents are unspecified after a size change.
  void Resize(const Shape& shape);
  void Fill(float value);
  void Zero() { Fill(0.0f); }
  bool SameShape(const Tensor& other) const { return shape_ == other.shape_; }

  // "[128, 784]".
  std::string ShapeString() const;

 private:
  Shape shape_;
  std::vector<float> data_;
};

// Product of the dimensions; 1 for a rank-0 shape.
int64_t NumElements(const Shape& shape);
std::string ShapeToString(const Shape& shape);

}  // namespace syncline::core
