#include "moema/channel/multiple_access_channel.hpp"
#include "test_signals.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <random>
#include <vector>

using namespace moema::rx;
using cd = std::complex<double>;
using moema::rx::test_signals::kPi;
using moema::rx::test_signals::random_samples;
using moema::rx::test_signals::tone;
using Streams = std::vector<std::vector<cd>>;

namespace {

MultipleAccessConfig one_device(int antennas, DeviceImpairments device = {}) {
  MultipleAccessConfig config;
  config.antennas = antennas;
  config.devices = {device};
  return config;
}

// Runs all of `inputs` through the channel in chunks of `chunk` samples.
Streams run(MultipleAccessChannel& channel, const Streams& inputs, std::size_t chunk = 1 << 30) {
  const std::size_t n = inputs[0].size();
  Streams outputs(channel.antennas(), std::vector<cd>(n));
  for (std::size_t at = 0; at < n; at += chunk) {
    const std::size_t count = std::min(chunk, n - at);
    std::vector<const cd*> in;
    std::vector<cd*> out;
    for (const auto& x : inputs) in.push_back(x.data() + at);
    for (auto& y : outputs) out.push_back(y.data() + at);
    channel.process(in, out, count);
  }
  return outputs;
}

double power(const std::vector<cd>& x, std::size_t from = 0) {
  double sum = 0;
  for (std::size_t t = from; t < x.size(); ++t) sum += std::norm(x[t]);
  return sum;
}

std::string error_of(const MultipleAccessConfig& config) {
  try {
    MultipleAccessChannel channel(config, 1);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}
}  // namespace

TEST(MultipleAccess, OneDeviceIsTheGainTimesTheDelayedRotatedInput) {
  const DeviceImpairments device{-3.0, 3.0, 1e-3, 0.4};
  MultipleAccessChannel channel(one_device(4, device), 7);
  EXPECT_EQ(channel.devices(), 1);
  EXPECT_EQ(channel.antennas(), 4);
  EXPECT_EQ(channel.lookahead(), 0);  // integer offsets need no interpolation
  const std::vector<cd> x = random_samples(3000, 1);
  const Streams y = run(channel, {x});
  const ComplexVector h = channel.gains()[0];
  EXPECT_NEAR(h.norm(), 1.0, 1e-12);  // unit-norm fading
  const double amplitude = std::pow(10.0, -3.0 / 20);
  for (int k = 0; k < 4; ++k)
    for (std::size_t t = 0; t < x.size(); ++t) {
      const cd sent = t < 3 ? cd(0, 0) : x[t - 3];
      const cd expected = h(k) * amplitude * std::polar(1.0, 2 * kPi * 1e-3 * double(t) + 0.4) * sent;
      ASSERT_LT(std::abs(y[k][t] - expected), 1e-12) << k << " " << t;
    }
}

TEST(MultipleAccess, FractionalTimingOffsetDelaysABandLimitedSignal) {
  const DeviceImpairments device{2.0, 2.4, -2e-3, -1.0};
  MultipleAccessChannel channel(one_device(3, device), 8);
  ASSERT_EQ(channel.lookahead(), 8);
  auto signal = [](double t) { return t < 0 ? cd(0, 0) : tone(0.03, t) + 0.5 * tone(-0.11, t); };
  std::vector<cd> x(600);
  for (std::size_t t = 0; t < x.size(); ++t) x[t] = signal(static_cast<double>(t));
  const Streams y = run(channel, {x});
  const ComplexVector h = channel.gains()[0];
  const double amplitude = std::pow(10.0, 2.0 / 20);
  for (int k = 0; k < 3; ++k)
    for (std::size_t t = 20; t + 8 < x.size(); ++t) {  // model time t is output sample t + lookahead
      const cd expected = h(k) * amplitude * std::polar(1.0, 2 * kPi * -2e-3 * double(t) - 1.0) * signal(double(t) - 2.4);
      ASSERT_LT(std::abs(y[k][t + 8] - expected), 1e-3) << k << " " << t;
    }
}

TEST(MultipleAccess, CfoShowsAsAToneAtTheOffsetFrequency) {
  for (double cfo : {1.234e-4, -0.01}) {
    MultipleAccessChannel channel(one_device(2, {0.0, 0.0, cfo, 0.3}), 9);
    const Streams y = run(channel, {std::vector<cd>(5000, cd(1, 0))}, 700);
    double worst = 0;
    for (std::size_t t = 1; t < 5000; ++t)  // across the oscillator's resynchronisations too
      worst = std::max(worst, std::abs(std::arg(y[0][t] * std::conj(y[0][t - 1])) / (2 * kPi) - cfo));
    EXPECT_LT(worst, 1e-9) << cfo;
    EXPECT_NEAR(std::abs(y[0][4999]), std::abs(channel.gains()[0](0)), 1e-12);  // no amplitude drift
  }
}

TEST(MultipleAccess, PathGainSetsTheOutputPowerRatio) {
  MultipleAccessConfig config = one_device(8);
  config.fading = Fading::Rayleigh;
  MultipleAccessChannel reference(config, 10);
  config.devices[0].path_gain_db = -7.5;
  MultipleAccessChannel attenuated(config, 10);  // same seed: same h
  const std::vector<cd> x = random_samples(2000, 2);
  const Streams y0 = run(reference, {x}), y1 = run(attenuated, {x});
  double p0 = 0, p1 = 0;
  for (int k = 0; k < 8; ++k) p0 += power(y0[k]), p1 += power(y1[k]);
  EXPECT_NEAR(10 * std::log10(p1 / p0), -7.5, 1e-9);
  // And in absolute terms: sum_k |h_k|^2 G |x|^2.
  EXPECT_NEAR(p1 / (power(x) * attenuated.gains()[0].squaredNorm()), std::pow(10.0, -0.75), 1e-12);
}

TEST(MultipleAccess, BlockFadingChangesExactlyAtMultiplesOfTheBlockLength) {
  // A constant input makes output / input the current h; timing offsets must
  // not move the block boundaries, which sit on the channel's own clock.
  for (double offset : {0.0, 3.0, 2.5}) {
    MultipleAccessConfig config = one_device(3, {0.0, offset, 0.0, 0.0});
    config.block_length = 7;
    config.fading = Fading::Rayleigh;
    MultipleAccessChannel channel(config, 11);
    const std::size_t shift = channel.lookahead();  // output index of model time 0
    const std::size_t settled = static_cast<std::size_t>(std::ceil(offset)) + 2 * shift + 1;
    const cd one(1, 0);
    ComplexVector previous = ComplexVector::Zero(3);
    for (std::size_t t = 0; t < 80; ++t) {
      cd y[3];
      channel.process({&one}, {&y[0], &y[1], &y[2]}, 1);
      const ComplexVector h = channel.gains()[0];
      if (t >= settled) {
        for (int k = 0; k < 3; ++k) ASSERT_LT(std::abs(y[k] - h(k)), 1e-12) << offset << " " << t;
      }
      const bool boundary = t > shift && (t - shift) % 7 == 0;
      EXPECT_EQ(h != previous, boundary || t == 0) << "offset " << offset << " sample " << t;
      previous = h;
    }
  }
}

TEST(MultipleAccess, GainsFollowTheFadingModel) {
  for (Fading fading : {Fading::UnitNorm, Fading::Rayleigh}) {
    MultipleAccessConfig config = one_device(8);
    config.fading = fading;
    config.block_length = 1;
    MultipleAccessChannel channel(config, 12);
    const cd zero(0, 0);
    std::vector<cd> y(8);
    std::vector<cd*> out;
    for (cd& v : y) out.push_back(&v);
    double mean_power = 0;
    for (int t = 0; t < 4000; ++t) {
      channel.process({&zero}, out, 1);
      if (fading == Fading::UnitNorm) {
        ASSERT_NEAR(channel.gains()[0].norm(), 1.0, 1e-12);
      }
      mean_power += channel.gains()[0].squaredNorm() / 8 / 4000;
    }
    EXPECT_NEAR(mean_power, fading == Fading::UnitNorm ? 1.0 / 8 : 1.0, 0.03 * mean_power);
  }
}

TEST(MultipleAccess, NoiseVarianceMatchesTheConfiguration) {
  MultipleAccessConfig config = one_device(4);
  config.noise_variance = 0.37;
  config.ap.gain_db = {0.0, 6.0, -3.0, 0.0};  // the noise is referred to the antenna port: g_k sigma^2 out
  MultipleAccessChannel channel(config, 13);
  const std::size_t n = 100000;
  const Streams y = run(channel, {std::vector<cd>(n)}, 4096);
  for (int k = 0; k < 4; ++k) {
    const double expected = 0.37 * std::pow(10.0, config.ap.gain_db[k] / 10);
    double re = 0, im = 0;
    cd mean = 0;
    for (const cd& v : y[k]) re += v.real() * v.real(), im += v.imag() * v.imag(), mean += v;
    EXPECT_NEAR((re + im) / n, expected, 0.03 * expected) << k;
    EXPECT_NEAR(re / n, expected / 2, 0.03 * expected / 2) << k;  // circular: half in each part
    EXPECT_NEAR(im / n, expected / 2, 0.03 * expected / 2) << k;
    EXPECT_LT(std::abs(mean / double(n)), 0.01) << k;
  }
  cd correlation = 0;  // independent across antennas
  for (std::size_t t = 0; t < n; ++t) correlation += y[0][t] * std::conj(y[3][t]);
  EXPECT_LT(std::abs(correlation) / n / 0.37, 0.02);
}

TEST(MultipleAccess, DcOffsetIsTheMeanOutputForZeroInput) {
  MultipleAccessConfig config = one_device(3);
  config.ap.dc_offset = {{0.1, -0.2}, {0.0, 0.05}, {-0.3, 0.0}};
  MultipleAccessChannel quiet(config, 14);
  const Streams exact = run(quiet, {std::vector<cd>(10)});
  for (int k = 0; k < 3; ++k) EXPECT_EQ(exact[k][5], config.ap.dc_offset[k]);
  config.noise_variance = 0.01;
  MultipleAccessChannel noisy(config, 14);
  const std::size_t n = 100000;
  const Streams y = run(noisy, {std::vector<cd>(n)});
  for (int k = 0; k < 3; ++k) {
    cd mean = 0;
    for (const cd& v : y[k]) mean += v;
    EXPECT_LT(std::abs(mean / double(n) - config.ap.dc_offset[k]), 2e-3) << k;  // 5 standard errors
  }
}

TEST(MultipleAccess, IntegerApDelaysShiftAnImpulseExactly) {
  MultipleAccessConfig config = one_device(3);
  config.ap.delay = {0.0, 3.0, 7.0};
  config.ap.gain_db = {0.0, -6.0, 2.0};
  config.ap.phase = {0.0, 1.0, -2.0};
  MultipleAccessChannel channel(config, 15);
  EXPECT_EQ(channel.lookahead(), 0);
  std::vector<cd> x(40);
  x[5] = 1.0;
  const Streams y = run(channel, {x});
  for (int k = 0; k < 3; ++k) {
    const std::size_t peak = 5 + static_cast<std::size_t>(config.ap.delay[k]);
    const cd c = std::polar(std::pow(10.0, config.ap.gain_db[k] / 20), config.ap.phase[k]);
    for (std::size_t t = 0; t < x.size(); ++t)
      EXPECT_LT(std::abs(y[k][t] - (t == peak ? c * channel.gains()[0](k) : cd(0, 0))), 1e-15) << k << " " << t;
  }
}

TEST(MultipleAccess, FractionalApDelaysGainsAndPhasesPerChannel) {
  // A smooth (band-limited) pulse: each channel's output is the closed form
  // c_k h_k p(t - delay_k); its centre of energy moves by delay_k - delay_0 and
  // its energy scales by g_k.
  MultipleAccessConfig config = one_device(3);
  config.ap.delay = {0.0, 2.25, 5.0};
  config.ap.gain_db = {0.0, -6.0, 3.0};
  config.ap.phase = {0.0, 1.0, -2.0};
  MultipleAccessChannel channel(config, 16);
  ASSERT_EQ(channel.lookahead(), 8);
  auto pulse = [](double t) { return std::exp(-(t - 60) * (t - 60) / (2 * 4.0 * 4.0)); };
  std::vector<cd> x(200);
  for (std::size_t t = 0; t < x.size(); ++t) x[t] = pulse(static_cast<double>(t));
  const Streams y = run(channel, {x});
  const ComplexVector h = channel.gains()[0];
  auto centre = [](const std::vector<cd>& v) {
    double moment = 0;
    for (std::size_t t = 0; t < v.size(); ++t) moment += double(t) * std::norm(v[t]);
    return moment / power(v);
  };
  for (int k = 0; k < 3; ++k) {
    const cd c = std::polar(std::pow(10.0, config.ap.gain_db[k] / 20), config.ap.phase[k]);
    for (std::size_t t = 0; t + 8 < x.size(); ++t)
      ASSERT_LT(std::abs(y[k][t + 8] - c * h(k) * pulse(double(t) - config.ap.delay[k])), 1e-3) << k << " " << t;
    EXPECT_NEAR(centre(y[k]) - centre(y[0]), config.ap.delay[k], 1e-3) << k;
    const double magnitude_ratio = std::sqrt(power(y[k]) / power(y[0])) * std::abs(h(0)) / std::abs(h(k));
    EXPECT_NEAR(20 * std::log10(magnitude_ratio), config.ap.gain_db[k], 1e-3) << k;
  }
}

TEST(MultipleAccess, LookaheadIsPaidOnlyForFractionalDelays) {
  MultipleAccessConfig config = one_device(2, {0.0, 4.0, 0.0, 0.0});
  config.ap.delay = {1.0, 0.0};
  EXPECT_EQ(MultipleAccessChannel(config, 1).lookahead(), 0);
  config.devices.push_back({0.0, 0.5, 0.0, 0.0});
  EXPECT_EQ(MultipleAccessChannel(config, 1).lookahead(), 8);
  config.ap.delay = {1.5, 0.0};
  EXPECT_EQ(MultipleAccessChannel(config, 1).lookahead(), 16);
}

namespace {
MultipleAccessConfig everything_on() {
  MultipleAccessConfig config;
  config.antennas = 4;
  config.block_length = 37;
  config.fading = Fading::Rayleigh;
  config.noise_variance = 0.1;
  config.devices = {{0.0, 0.3, 1e-4, 0.1}, {-4.0, 5.75, -3e-3, 2.0}, {3.0, 0.0, 0.02, -1.0}};
  config.ap.dc_offset = {{0.01, 0.0}, {0.0, -0.02}, {0.0, 0.0}, {0.03, 0.03}};
  config.ap.gain_db = {0.0, 1.0, -1.0, 0.5};
  config.ap.phase = {0.0, 0.5, 1.0, 1.5};
  config.ap.delay = {0.0, 0.5, 1.25, 3.0};
  return config;
}
}  // namespace

TEST(MultipleAccess, ChunkedProcessingEqualsOneShot) {
  const std::size_t n = 5000;
  const Streams x = {random_samples(n, 3), random_samples(n, 4), random_samples(n, 5)};
  MultipleAccessChannel whole(everything_on(), 17), pieces(everything_on(), 17);
  const Streams expected = run(whole, x);
  Streams got(4, std::vector<cd>(n));
  std::mt19937_64 rng(6);
  std::uniform_int_distribution<std::size_t> small(0, 40), large(0, 2500);
  for (std::size_t at = 0; at < n;) {  // small chunks, empty ones, and ones beyond the internal block
    const std::size_t count = std::min(at < 1000 ? small(rng) : large(rng), n - at);
    std::vector<const cd*> in;
    std::vector<cd*> out;
    for (const auto& s : x) in.push_back(s.data() + at);
    for (auto& s : got) out.push_back(s.data() + at);
    pieces.process(in, out, count);
    at += count;
  }
  for (int k = 0; k < 4; ++k)
    for (std::size_t t = 0; t < n; ++t) ASSERT_EQ(got[k][t], expected[k][t]) << k << " " << t;
  for (int d = 0; d < 3; ++d) EXPECT_EQ(pieces.gains()[d], whole.gains()[d]);
}

TEST(MultipleAccess, TwoDevicesSuperposeLinearly) {
  // Same seed, so the same fading and the same noise in every run: then
  // y(x1, x2) + y(0, 0) = y(x1, 0) + y(0, x2), noise and DC offset included.
  MultipleAccessConfig config = everything_on();
  config.devices.pop_back();
  const std::size_t n = 1500;
  const std::vector<cd> x1 = random_samples(n, 7), x2 = random_samples(n, 8), zero(n);
  auto output = [&](const std::vector<cd>& a, const std::vector<cd>& b) {
    MultipleAccessChannel channel(config, 18);
    return run(channel, {a, b}, 333);
  };
  const Streams both = output(x1, x2), none = output(zero, zero), first = output(x1, zero), second = output(zero, x2);
  for (int k = 0; k < 4; ++k)
    for (std::size_t t = 0; t < n; ++t)
      ASSERT_LT(std::abs(both[k][t] + none[k][t] - first[k][t] - second[k][t]), 1e-12) << k << " " << t;
}

TEST(MultipleAccess, BadConfigsNameTheField) {
  const std::vector<std::pair<std::function<void(MultipleAccessConfig&)>, std::string>> cases = {
      {[](auto& c) { c.antennas = 0; }, "antennas"},
      {[](auto& c) { c.block_length = -1; }, "block_length"},
      {[](auto& c) { c.noise_variance = -0.1; }, "noise_variance"},
      {[](auto& c) { c.noise_variance = NAN; }, "noise_variance"},
      {[](auto& c) { c.devices.clear(); }, "devices is empty"},
      {[](auto& c) { c.devices[1].timing_offset = -0.5; }, "devices[1].timing_offset is negative"},
      {[](auto& c) { c.devices[0].timing_offset = INFINITY; }, "devices[0].timing_offset"},
      {[](auto& c) { c.devices[0].timing_offset = 2e9; }, "devices[0].timing_offset"},
      {[](auto& c) { c.devices[2].path_gain_db = NAN; }, "devices[2].path_gain_db"},
      {[](auto& c) { c.devices[0].cfo = INFINITY; }, "devices[0].cfo"},
      {[](auto& c) { c.devices[1].phase = NAN; }, "devices[1].phase"},
      {[](auto& c) { c.ap.dc_offset.resize(3); }, "ap.dc_offset"},
      {[](auto& c) { c.ap.dc_offset[1] = {NAN, 0}; }, "ap.dc_offset[1]"},
      {[](auto& c) { c.ap.gain_db.push_back(0); }, "ap.gain_db"},
      {[](auto& c) { c.ap.gain_db[3] = INFINITY; }, "ap.gain_db[3]"},
      {[](auto& c) { c.ap.phase.resize(1); }, "ap.phase"},
      {[](auto& c) { c.ap.delay.resize(2); }, "ap.delay"},
      {[](auto& c) { c.ap.delay[2] = -1; }, "ap.delay[2] is negative"},
  };
  for (const auto& [mutate, field] : cases) {
    MultipleAccessConfig config = everything_on();
    mutate(config);
    EXPECT_THAT(error_of(config), testing::HasSubstr(field));
  }
  EXPECT_EQ(error_of(everything_on()), "no exception");
}

TEST(MultipleAccess, ProcessRejectsWrongStreamCounts) {
  MultipleAccessChannel channel(everything_on(), 19);
  std::vector<cd> a(4), b(4), c(4), d(4), e(4);
  const std::vector<const cd*> three = {a.data(), b.data(), c.data()}, two = {a.data(), b.data()};
  const std::vector<cd*> four = {b.data(), c.data(), d.data(), e.data()}, one = {b.data()};
  EXPECT_NO_THROW(channel.process(three, four, 4));
  EXPECT_THROW(channel.process(two, four, 4), std::invalid_argument);
  EXPECT_THROW(channel.process(three, one, 4), std::invalid_argument);
  EXPECT_THROW(channel.process({a.data(), nullptr, c.data()}, four, 4), std::invalid_argument);
}
