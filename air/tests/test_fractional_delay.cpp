#include "moema/air/fractional_delay.hpp"
#include "test_signals.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>
#include <random>
#include <vector>

using namespace moema::rx;
using cd = std::complex<double>;
using moema::rx::test_signals::kPi;
using moema::rx::test_signals::random_samples;
using moema::rx::test_signals::tone;

namespace {

std::vector<cd> tone_samples(double f, std::size_t n) {
  std::vector<cd> x(n);
  for (std::size_t t = 0; t < n; ++t) x[t] = tone(f, static_cast<double>(t));
  return x;
}

// Frequency response of FIR taps, sum_i h[i] e^{-j 2 pi f i}.
cd response(const std::vector<double>& taps, double f) {
  cd sum = 0;
  for (std::size_t i = 0; i < taps.size(); ++i) sum += taps[i] * tone(-f, static_cast<double>(i));
  return sum;
}
}  // namespace

TEST(FractionalDelay, TapsSumToOne) {
  for (int half_length : {1, 4, 8, 16})
    for (double delay : {0.0, 0.1, 0.3, 0.5, 0.7, 0.999}) {
      const std::vector<double> taps = fractional_delay_taps(delay, half_length);
      ASSERT_EQ(taps.size(), static_cast<std::size_t>(2 * half_length + 1));
      EXPECT_NEAR(std::accumulate(taps.begin(), taps.end(), 0.0), 1.0, 1e-14) << half_length << " " << delay;
    }
}

TEST(FractionalDelay, ZeroDelayIsAnImpulse) {
  const std::vector<double> taps = fractional_delay_taps(0.0, 8);
  for (int i = 0; i < 17; ++i) EXPECT_NEAR(taps[i], i == 8 ? 1.0 : 0.0, 1e-12) << i;
}

TEST(FractionalDelay, HalfSampleTapsAreSymmetric) {
  // Delay 0.5 puts the point midway between taps 8 and 9: h[i] = h[17 - i].
  const std::vector<double> taps = fractional_delay_taps(0.5, 8);
  EXPECT_EQ(taps[0], 0.0);  // outside the 2L nearest samples
  for (int i = 1; i <= 16; ++i) EXPECT_NEAR(taps[i], taps[17 - i], 1e-15) << i;
}

TEST(FractionalDelay, ResponseIsAPureDelayBelow035TimesTheSampleRate) {
  // The documented accuracy: |H(f) e^{j 2 pi f (L + d)} - 1| < 4e-4 for |f| < 0.35.
  for (double delay = 0.0; delay < 1.0; delay += 0.05) {
    const std::vector<double> taps = fractional_delay_taps(delay, 8);
    for (double f = -0.35; f <= 0.35; f += 0.005)
      EXPECT_LT(std::abs(response(taps, f) * tone(f, 8 + delay) - 1.0), 4e-4) << delay << " " << f;
  }
}

TEST(FractionalDelay, LineDelaysAToneByTheRequestedDelayPlusTheLookahead) {
  const std::size_t n = 400;
  for (double f : {0.05, 0.2})
    for (double delay : {0.3, 2.7}) {
      const std::vector<cd> x = tone_samples(f, n);
      FractionalDelayLine line(delay);
      ASSERT_EQ(line.lookahead(), 8);
      EXPECT_DOUBLE_EQ(line.latency(), delay + 8);
      std::vector<cd> y(n);
      line.process(x.data(), y.data(), n);
      // Before the tone's first sample reaches the kernel's 2L taps: exact zeros.
      for (std::size_t t = 0; t < static_cast<std::size_t>(std::floor(delay)) + 1; ++t) EXPECT_EQ(y[t], cd(0, 0));
      double worst = 0;
      for (std::size_t t = 2 * 8 + 3; t < n; ++t)  // past the start-up transient
        worst = std::max(worst, std::abs(y[t] - tone(f, static_cast<double>(t) - delay - 8)));
      EXPECT_LT(worst, 1e-3) << "f " << f << " delay " << delay;
    }
}

TEST(FractionalDelay, IntegerDelaysAreExact) {
  const std::vector<cd> x = random_samples(50, 1);
  for (int half_length : {0, 8}) {
    FractionalDelayLine line(3.0, half_length);
    std::vector<cd> y(x.size());
    line.process(x.data(), y.data(), x.size());
    const std::size_t shift = 3 + half_length;
    for (std::size_t t = 0; t < x.size(); ++t) EXPECT_EQ(y[t], t < shift ? cd(0, 0) : x[t - shift]) << t;
  }
}

TEST(FractionalDelay, ChunkedProcessingEqualsOneShot) {
  const std::size_t n = 3000;
  const std::vector<cd> x = random_samples(n, 2);
  for (double delay : {0.0, 0.37, 5.81, 40.5}) {
    FractionalDelayLine whole(delay), pieces(delay);
    std::vector<cd> expected(n), got(n);
    whole.process(x.data(), expected.data(), n);
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<std::size_t> size(0, 70);
    for (std::size_t at = 0; at < n;) {
      const std::size_t chunk = std::min(size(rng), n - at);
      pieces.process(x.data() + at, got.data() + at, chunk);
      at += chunk;
    }
    for (std::size_t t = 0; t < n; ++t) ASSERT_EQ(got[t], expected[t]) << "delay " << delay << " sample " << t;
  }
}

TEST(FractionalDelay, InPlaceProcessingAndReset) {
  const std::vector<cd> x = random_samples(200, 4);
  FractionalDelayLine line(1.6);
  std::vector<cd> expected(x.size());
  line.process(x.data(), expected.data(), x.size());
  line.reset();
  std::vector<cd> buffer = x;
  line.process(buffer.data(), buffer.data(), buffer.size());
  EXPECT_EQ(buffer, expected);
}

TEST(FractionalDelay, InterpolateAtMatchesTheClosedFormOfATone) {
  for (double f : {0.05, 0.2, -0.3}) {
    const std::vector<cd> x = tone_samples(f, 32);
    EXPECT_LT(std::abs(interpolate_at(x.data(), x.size(), 10.25, 8) - tone(f, 10.25)), 1e-3) << f;
    EXPECT_LT(std::abs(interpolate_at(x.data(), x.size(), 17.9, 8) - tone(f, 17.9)), 1e-3) << f;
    EXPECT_EQ(interpolate_at(x.data(), x.size(), 12.0), x[12]);  // integer positions are the samples
  }
}

TEST(FractionalDelay, InterpolateAtAgreesWithTheDelayTapsAndTreatsOutsideAsZero) {
  const std::vector<cd> x = random_samples(40, 5);
  const std::vector<double> taps = fractional_delay_taps(0.4, 8);
  for (int t : {0, 5, 20, 39, 50}) {  // sum_i h[i] x[t - i] is x at t - 8.4
    cd expected = 0;
    for (int i = 0; i <= 16; ++i)
      if (t - i >= 0 && t - i < 40) expected += taps[i] * x[t - i];
    EXPECT_NEAR(std::abs(interpolate_at(x.data(), x.size(), t - 8.4) - expected), 0.0, 1e-13) << t;
  }
  EXPECT_EQ(interpolate_at(x.data(), x.size(), -8.5), cd(0, 0));
  EXPECT_EQ(interpolate_at(x.data(), x.size(), 47.5), cd(0, 0));
  EXPECT_EQ(interpolate_at(x.data(), x.size(), -3.0), cd(0, 0));
  EXPECT_EQ(interpolate_at(nullptr, 0, 1.5), cd(0, 0));
}

TEST(FractionalDelay, BadInputIsNamed) {
  auto message = [](auto&& call) {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_THAT(message([] { fractional_delay_taps(1.0); }), testing::HasSubstr("delay must be in [0, 1)"));
  EXPECT_THAT(message([] { fractional_delay_taps(-0.1); }), testing::HasSubstr("delay"));
  EXPECT_THAT(message([] { fractional_delay_taps(NAN); }), testing::HasSubstr("delay"));
  EXPECT_THAT(message([] { fractional_delay_taps(0.5, 0); }), testing::HasSubstr("half_length"));
  EXPECT_THAT(message([] { FractionalDelayLine line(-1.0); }), testing::HasSubstr("delay must be >= 0"));
  EXPECT_THAT(message([] { FractionalDelayLine line(INFINITY); }), testing::HasSubstr("delay"));
  EXPECT_THAT(message([] { FractionalDelayLine line(1e9); }), testing::HasSubstr("exceeds"));
  EXPECT_THAT(message([] { FractionalDelayLine line(1.5, 0); }), testing::HasSubstr("half_length 0"));
  EXPECT_THAT(message([] { FractionalDelayLine line(2.0, -1); }), testing::HasSubstr("half_length"));
  const cd x[2] = {1, 2};
  EXPECT_THAT(message([&] { interpolate_at(x, 2, NAN); }), testing::HasSubstr("position"));
  EXPECT_THAT(message([] { interpolate_at(nullptr, 3, 0.5); }), testing::HasSubstr("x is null"));
}
