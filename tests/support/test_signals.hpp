// Test signals shared by the sample-level suites: complex tones and white
// Gaussian noise with a fixed seed.
#pragma once

#include <complex>
#include <cstdint>
#include <random>
#include <vector>

namespace moema::rx::test_signals {

constexpr double kPi = 3.14159265358979323846;

// exp(j 2 pi f t), f in cycles per sample.
inline std::complex<double> tone(double f, double t) { return std::polar(1.0, 2 * kPi * f * t); }

// CN(0, 2) samples (unit-variance real and imaginary parts).
inline std::vector<std::complex<double>> random_samples(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss;
  std::vector<std::complex<double>> x(n);
  for (auto& v : x) v = {gauss(rng), gauss(rng)};
  return x;
}

}  // namespace moema::rx::test_signals
