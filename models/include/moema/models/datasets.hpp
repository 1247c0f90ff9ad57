// The two classification tasks of MoEMA (paper Sec. 5.1): MNIST digits and
// Fashion-MNIST items, in one label space of 20 classes, and the disjoint
// per-device samples each device draws from them. No LibTorch here.
#pragma once

#include "moema/common/paths.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moema::models {

enum class Task { Mnist = 0, Fashion = 1 };

// MNIST labels are 0-9; Fashion-MNIST labels are re-indexed to 10-19.
constexpr int kClasses = 20;
constexpr int kClassesPerTask = 10;

// The task a label 0..19 belongs to; std::invalid_argument otherwise.
Task task_of_label(int label);

struct LabelledImages {
  int rows = 28, cols = 28;
  std::vector<float> pixels;  // size() * rows * cols, row-major, scaled to [0, 1]
  std::vector<int> labels;    // 0..19 (see kClasses)

  int size() const { return static_cast<int>(labels.size()); }
  int pixels_per_image() const { return rows * cols; }
  const float* image(int i) const { return pixels.data() + static_cast<std::size_t>(i) * pixels_per_image(); }
};

enum class Split { Train, Test };


// data_dir/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte (raw), labels 0-9.
LabelledImages load_mnist(const std::string& data_dir, Split split);
// data_dir/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, labels 10-19.
LabelledImages load_fashion_mnist(const std::string& data_dir, Split split);
// MNIST followed by Fashion-MNIST.
LabelledImages load_tasks(const std::string& data_dir, Split split);

// One device's samples: indices into the LabelledImages of each split.
struct DeviceSamples {
  std::vector<int> train, test;
};

// Disjoint samples for each device, half MNIST and half Fashion-MNIST (paper:
// 15,000 training and 5,000 test samples per device), drawn by a seeded
// shuffle that gives the same result with every standard library; each
// device's list is shuffled so the tasks are interleaved. Per-device counts
// must be even and the devices' halves must fit in each task's samples
// (std::invalid_argument otherwise).
std::vector<DeviceSamples> split_devices(const LabelledImages& train, const LabelledImages& test, int devices,
                                         int train_per_device, int test_per_device, std::uint64_t seed);

// The labels of the given samples, in order.
std::vector<int> labels_of(const LabelledImages& images, const std::vector<int>& indices);

}  // namespace moema::models
