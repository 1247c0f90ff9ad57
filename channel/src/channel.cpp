#include "moema/channel/channel.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace moema::rx {

SimoChannel::SimoChannel(const ChannelConfig& config, int devices, int codeword_length, std::uint64_t seed)
    : config_(config), codeword_length_(codeword_length), rng_(seed) {
  const std::string where = "SimoChannel: ";
  if (config.antennas < 1) throw std::invalid_argument(where + "antennas must be >= 1");
  if (devices < 1) throw std::invalid_argument(where + "devices must be >= 1");
  if (codeword_length < 1) throw std::invalid_argument(where + "codeword_length must be >= 1");
  if (std::isnan(config.snr_db)) throw std::invalid_argument(where + "snr_db is NaN");
  if (!config.path_gain_db.empty() && static_cast<int>(config.path_gain_db.size()) != devices)
    throw std::invalid_argument(where + "path_gain_db has " + std::to_string(config.path_gain_db.size()) +
                                " entries for " + std::to_string(devices) + " devices");
  double mean_power = 0.0;  // sum_n E|h_nk|^2
  for (int n = 0; n < devices; ++n) {
    const double db = config.path_gain_db.empty() ? 0.0 : config.path_gain_db[n];
    linear_gain_.push_back(std::pow(10.0, db / 10.0));
    mean_power += config.fading == Fading::UnitNorm ? 1.0 / config.antennas : linear_gain_.back();
  }
  if (std::isfinite(config.snr_db))
    noise_variance_ = mean_power / (codeword_length * std::pow(10.0, config.snr_db / 10.0));
}

ComplexVector SimoChannel::draw_gain(int device) {
  std::normal_distribution<double> gauss;
  ComplexVector h(config_.antennas);
  for (int k = 0; k < config_.antennas; ++k) h(k) = {gauss(rng_), gauss(rng_)};
  if (config_.fading == Fading::UnitNorm) return h.normalized();
  return h * std::sqrt(linear_gain_[device] / 2.0);  // E|h_k|^2 = g_n
}

ComplexMatrix SimoChannel::transmit(const std::vector<Vector>& codewords) {
  if (codewords.size() != linear_gain_.size())
    throw std::invalid_argument("SimoChannel::transmit: got " + std::to_string(codewords.size()) +
                                " codewords for " + std::to_string(linear_gain_.size()) + " devices");
  ComplexMatrix y = ComplexMatrix::Zero(config_.antennas, codeword_length_);
  gains_.clear();
  for (std::size_t n = 0; n < codewords.size(); ++n) {
    if (codewords[n].size() != codeword_length_)
      throw std::invalid_argument("SimoChannel::transmit: codeword " + std::to_string(n) + " has " +
                                  std::to_string(codewords[n].size()) + " symbols, expected M = " +
                                  std::to_string(codeword_length_));
    gains_.push_back(draw_gain(static_cast<int>(n)));
    y += gains_.back() * codewords[n].transpose().cast<std::complex<double>>();
  }
  if (noise_variance_ > 0.0) {
    std::normal_distribution<double> gauss(0.0, std::sqrt(noise_variance_ / 2.0));
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] += std::complex<double>(gauss(rng_), gauss(rng_));
  }
  return y;
}

Matrix stack_real(const ComplexMatrix& y) {
  Matrix out(2 * y.rows(), y.cols());
  out.topRows(y.rows()) = y.real();
  out.bottomRows(y.rows()) = y.imag();
  return out;
}

}  // namespace moema::rx
