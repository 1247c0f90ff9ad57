// Auxiliary signalling: class centres from features, distance to a task as the
// distance to its nearest class centre, and the one-hot nearest task.
#include "moema/models/aux_signal.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace moema::models {
namespace {

// Class c's centre is the unit vector at angle c * 18 degrees in the x-y plane.
rx::Vector on_circle(int c) {
  const double a = c * M_PI / 10.0;
  rx::Vector v(3);
  v << std::cos(a), std::sin(a), 0.0;
  return v;
}

TaskCentres circle_centres() {
  rx::Matrix features(2 * kClasses, 3);
  std::vector<int> labels;
  for (int c = 0; c < kClasses; ++c) {
    // Two samples symmetric about the centre direction: their mean points at it.
    rx::Vector tilt(3);
    tilt << 0, 0, 0.3;
    features.row(2 * c) = (on_circle(c) + tilt).normalized().transpose();
    features.row(2 * c + 1) = (on_circle(c) - tilt).normalized().transpose();
    labels.push_back(c);
    labels.push_back(c);
  }
  return TaskCentres::fit(features, labels);
}

TEST(TaskCentres, ClassCentresAreNormalisedClassMeans) {
  const TaskCentres centres = circle_centres();
  for (int c = 0; c < kClasses; ++c)
    EXPECT_LT((centres.class_centres().row(c).transpose() - on_circle(c)).norm(), 1e-12) << "class " << c;
}

TEST(TaskCentres, DistanceToATaskIsToItsNearestClassCentre) {
  const TaskCentres centres = circle_centres();
  // Feature at class 3's centre (54 degrees): 0 from MNIST; Fashion's nearest
  // centre is class 19 (342 degrees, 72 degrees away): chord 2 sin(36 deg).
  const rx::Vector x = on_circle(3);
  EXPECT_NEAR(centres.distance_to_task(x, Task::Mnist), 0.0, 1e-12);
  EXPECT_NEAR(centres.distance_to_task(x, Task::Fashion), 2 * std::sin(36.0 * M_PI / 180.0), 1e-12);
  EXPECT_EQ(centres.nearest_task(x), Task::Mnist);
  EXPECT_EQ(centres.nearest_task(on_circle(14)), Task::Fashion);
}

TEST(TaskCentres, SignalsByStrategy) {
  const TaskCentres centres = circle_centres();
  const rx::Vector x = on_circle(12);
  const rx::Vector distance = centres.signal(x, Signalling::Distance);
  ASSERT_EQ(distance.size(), kAuxDim);
  EXPECT_NEAR(distance(1), 0.0, 1e-12);
  EXPECT_NEAR(distance(0), 2 * std::sin(27.0 * M_PI / 180.0), 1e-12);  // class 9 is 3 steps away
  const rx::Vector one_hot = centres.signal(x, Signalling::OneHot);
  EXPECT_EQ(one_hot(0), 0.0);
  EXPECT_EQ(one_hot(1), 1.0);
}

TEST(TaskCentres, JsonRoundTripAndParsing) {
  const TaskCentres centres = circle_centres();
  const TaskCentres back = TaskCentres::from_json(centres.to_json());
  EXPECT_TRUE(back.class_centres().isApprox(centres.class_centres()));
  EXPECT_EQ(parse_signalling("onehot"), Signalling::OneHot);
  EXPECT_EQ(to_string(Signalling::Distance), "distance");
  try {
    parse_signalling("loud");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("loud"), std::string::npos);
  }
}

TEST(TaskCentres, RejectsBadInput) {
  EXPECT_THROW(TaskCentres::fit(rx::Matrix::Ones(2, 3), {0}), std::invalid_argument);
  EXPECT_THROW(TaskCentres::fit(rx::Matrix::Ones(1, 3), {25}), std::invalid_argument);
  EXPECT_THROW(TaskCentres::fit(rx::Matrix::Ones(1, 3), {0}), std::invalid_argument);  // 19 classes empty
}

}  // namespace
}  // namespace moema::models
