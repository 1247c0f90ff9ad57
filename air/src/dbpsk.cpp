#include "moema/air/dbpsk.hpp"

#include <stdexcept>
#include <string>

namespace moema::rx {

ComplexVector dbpsk_modulate(const std::vector<std::uint8_t>& bits) {
  ComplexVector s(static_cast<Eigen::Index>(bits.size()) + 1);
  s(0) = 1.0;
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] > 1)
      throw std::invalid_argument("dbpsk_modulate: bit " + std::to_string(i) + " is " + std::to_string(bits[i]) +
                                  ", expected 0 or 1");
    const auto next = static_cast<Eigen::Index>(i) + 1;
    s(next) = bits[i] ? -s(next - 1) : s(next - 1);
  }
  return s;
}

Eigen::VectorXd dbpsk_soft(const ComplexMatrix& received) {
  if (received.cols() < 2)
    throw std::invalid_argument("dbpsk: received has " + std::to_string(received.cols()) +
                                " symbols (columns); need at least 2 (the reference and one bit)");
  if (received.rows() < 1) throw std::invalid_argument("dbpsk: received has no antennas (rows)");
  Eigen::VectorXd soft(received.cols() - 1);
  // Eigen's dot conjugates its left operand: a.dot(b) = sum_k conj(a_k) b_k.
  for (Eigen::Index i = 0; i < soft.size(); ++i) soft(i) = received.col(i).dot(received.col(i + 1)).real();
  return soft;
}

std::vector<std::uint8_t> dbpsk_demodulate(const ComplexMatrix& received) {
  const Eigen::VectorXd soft = dbpsk_soft(received);
  std::vector<std::uint8_t> bits(static_cast<std::size_t>(soft.size()));
  for (Eigen::Index i = 0; i < soft.size(); ++i) bits[static_cast<std::size_t>(i)] = soft(i) < 0.0 ? 1 : 0;
  return bits;
}

}  // namespace moema::rx
