// SampleClock: a sample's receive time from rx_time stamps, against times
// worked out by hand.
#include "moema/io/sample_clock.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace moema::rx {
namespace {

TEST(SampleClock, UnknownUntilRateAndStamp) {
  SampleClock clock;
  EXPECT_FALSE(clock.time_at(0).has_value());
  clock.stamp(0, 100.0);
  EXPECT_FALSE(clock.time_at(0).has_value());  // no rate yet
  clock.set_rate(1e6);
  ASSERT_TRUE(clock.time_at(0).has_value());
  EXPECT_TRUE(clock.known());
}

TEST(SampleClock, ContiguousSamplesAdvanceByOneOverTheRate) {
  SampleClock clock;
  clock.set_rate(2e6);
  clock.stamp(1000, 1700000000.5);
  EXPECT_DOUBLE_EQ(*clock.time_at(1000), 1700000000.5);
  EXPECT_NEAR(*clock.time_at(3000), 1700000000.501, 1e-6);       // 2000 samples = 1 ms
  EXPECT_NEAR(*clock.time_at(1000.5), 1700000000.50000025, 1e-6);  // fractional position
  EXPECT_NEAR(*clock.time_at(0), 1700000000.4995, 1e-6);        // before the first stamp
}

TEST(SampleClock, ALaterStampGovernsFromItsSampleOn) {
  SampleClock clock;
  clock.set_rate(1e6);
  clock.stamp(0, 10.0);
  clock.stamp(5000, 20.0);  // an overflow: time jumped
  EXPECT_DOUBLE_EQ(*clock.time_at(4999), 10.004999);
  EXPECT_DOUBLE_EQ(*clock.time_at(5000), 20.0);
  EXPECT_DOUBLE_EQ(*clock.time_at(6000), 20.001);
  clock.stamp(5000, 30.0);  // the same sample stamped again: replaced
  EXPECT_DOUBLE_EQ(*clock.time_at(5000), 30.0);
}

TEST(SampleClock, StampsMayArriveOutOfOrder) {
  SampleClock clock;
  clock.set_rate(1e3);
  clock.stamp(2000, 7.0);
  clock.stamp(0, 1.0);
  EXPECT_DOUBLE_EQ(*clock.time_at(1000), 2.0);
  EXPECT_DOUBLE_EQ(*clock.time_at(2500), 7.5);
}

TEST(SampleClock, BadRateOrStampIsRejected) {
  SampleClock clock;
  EXPECT_THROW(clock.set_rate(0), std::invalid_argument);
  EXPECT_THROW(clock.set_rate(-1e6), std::invalid_argument);
  EXPECT_THROW(clock.stamp(0, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

}  // namespace
}  // namespace moema::rx
