// The JSCC channel layers against independent expectations: exact closed
// forms (diagonal and hand-inverted 2x2 MMSE, zero forcing), noise-free
// identities, and statistics (noise variance from the SNR, error variance
// from the reported per-stream SNR, E|H_ij|^2 = 1).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <stdexcept>
#include <string>
#include <vector>

#include "moema/jscc/channel.hpp"
#include "moema/rx/mimo_receiver.hpp"

namespace moema::jscc {
namespace {

using cd = std::complex<double>;

// Complex normal symbols with unit average power per image.
torch::Tensor random_symbols(int64_t batch, int64_t symbols) {
  return normalize_power(torch::randn({batch, symbols}, torch::kComplexFloat));
}

torch::Tensor full_snr(int64_t batch, double snr_db) {
  return torch::full({batch}, snr_db, torch::kFloat);
}

// A [rows, cols] complex tensor from row-major std::complex values.
torch::Tensor complex_matrix(const std::vector<cd>& v, int64_t rows, int64_t cols,
                             torch::ScalarType type = torch::kComplexDouble) {
  std::vector<double> flat;
  for (const auto& z : v) {
    flat.push_back(z.real());
    flat.push_back(z.imag());
  }
  auto t = torch::tensor(flat, torch::kDouble).view({rows, cols, 2});
  return torch::view_as_complex(t).to(type);
}

cd at(const torch::Tensor& t, std::vector<int64_t> index) {
  torch::Tensor v = t;
  for (auto i : index) v = v[i];
  const auto z = v.to(torch::kComplexDouble).item<c10::complex<double>>();
  return {z.real(), z.imag()};
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kComplexDouble) - b.to(torch::kComplexDouble)).abs().max().item<double>();
}

// Runs f, expecting std::invalid_argument whose message contains `needle`.
template <typename F>
void expect_invalid(F f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one naming " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message \"" << e.what() << "\" does not name " << needle;
  }
}

// ---- conversions and power ----

TEST(ChannelConversion, PairsAreRealImaginaryAndRoundTrip) {
  const auto real = torch::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).view({1, 6});
  const auto z = real_to_complex(real);
  ASSERT_EQ(z.sizes(), (torch::IntArrayRef{1, 3}));
  EXPECT_EQ(z.scalar_type(), torch::kComplexFloat);
  EXPECT_EQ(at(z, {0, 0}), cd(1, 2));
  EXPECT_EQ(at(z, {0, 2}), cd(5, 6));

  torch::manual_seed(1);
  const auto r = torch::randn({3, 10});
  EXPECT_TRUE(torch::equal(complex_to_real(real_to_complex(r)), r));
  const auto s = torch::randn({3, 5}, torch::kComplexFloat);
  EXPECT_TRUE(torch::equal(real_to_complex(complex_to_real(s)), s));
  EXPECT_THROW(real_to_complex(torch::randn({2, 5})), std::invalid_argument);
}

TEST(ChannelPower, NormalizePowerGivesUnitMeanPowerAndKeepsDirection) {
  torch::manual_seed(2);
  const auto scales = torch::tensor({0.01f, 1.f, 30.f}).view({3, 1});
  const auto x = torch::randn({3, 64}, torch::kComplexFloat) * scales;
  const auto y = normalize_power(x);
  const auto power = y.abs().pow(2).mean(1);
  EXPECT_TRUE(torch::allclose(power, torch::ones({3}), 1e-5, 1e-5)) << power;
  // Same direction: y = c x with c real and positive per row.
  const auto ratio = y / x;
  EXPECT_LT(torch::imag(ratio).abs().max().item<double>(), 1e-4);
  const auto c = torch::real(ratio);
  EXPECT_GT(c.min().item<double>(), 0.0);
  EXPECT_TRUE(torch::allclose(c, c.select(1, 0).unsqueeze(1).expand_as(c), 1e-4, 0.0));
}

// ---- gradients ----

class ChannelGradient : public ::testing::TestWithParam<ChannelConfig> {};

TEST_P(ChannelGradient, FlowsToTransmittedSymbols) {
  torch::manual_seed(3);
  const Channel channel(GetParam());
  auto x = random_symbols(4, 16).requires_grad_();
  const auto out = channel.transmit(x, full_snr(4, 10.0));
  out.symbols.abs().pow(2).sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
  EXPECT_GT(x.grad().abs().max().item<double>(), 0.0);
}

ChannelConfig config(std::string kind, int nt, int nr, double nmse = 0.0, bool svd = false) {
  ChannelConfig c;
  c.kind = std::move(kind);
  c.nt = nt;
  c.nr = nr;
  c.estimation_nmse = nmse;
  c.svd_precoding = svd;
  return c;
}

INSTANTIATE_TEST_SUITE_P(Kinds, ChannelGradient,
                         ::testing::Values(config("awgn", 1, 1), config("mimo", 2, 2),
                                           config("mimo", 2, 4, 0.1),
                                           config("mimo", 2, 2, 0.0, true)));

// |out|^2 has gradient 2 out with respect to x when out = x + (noise not
// depending on x): AWGN, and MIMO without noise where out = x.
TEST(ChannelGradient, MatchesAnalyticGradient) {
  torch::manual_seed(4);
  for (const auto& [c, snr] :
       {std::pair{config("awgn", 1, 1), 5.0}, std::pair{config("mimo", 2, 2), 200.0}}) {
    auto x = random_symbols(3, 8).requires_grad_();
    const auto out = Channel(c).transmit(x, full_snr(3, snr));
    out.symbols.abs().pow(2).sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), 2.0 * out.symbols.detach()), 1e-3) << c.kind;
  }
}

// ---- AWGN ----

TEST(ChannelAwgn, NoiseVarianceMatchesSnr) {
  torch::manual_seed(5);
  const Channel channel(config("awgn", 1, 1));
  const auto snr = torch::tensor({0.f, 5.f, 10.f, 20.f});
  const auto x = random_symbols(4, 200000);
  const auto out = channel.transmit(x, snr);
  const auto noise = out.symbols - x;
  for (int b = 0; b < 4; ++b) {
    const double expected = std::pow(10.0, -snr[b].item<double>() / 10.0);
    const auto n = noise[b];
    EXPECT_NEAR(n.abs().pow(2).mean().item<double>() / expected, 1.0, 0.02) << "image " << b;
    // Circular: real and imaginary parts carry half each.
    EXPECT_NEAR(torch::real(n).pow(2).mean().item<double>() / expected, 0.5, 0.01);
    EXPECT_NEAR(torch::imag(n).pow(2).mean().item<double>() / expected, 0.5, 0.01);
  }
  ASSERT_EQ(out.stream_snr_db.sizes(), (torch::IntArrayRef{4, 1}));
  EXPECT_TRUE(torch::equal(out.stream_snr_db.squeeze(1), snr));
  EXPECT_FALSE(out.channel.defined());
}

// ---- MMSE equaliser against closed forms ----

TEST(MmseEqualize, DiagonalChannelIsPerStreamScalar) {
  torch::manual_seed(6);
  const cd a(0.8, -0.3), b(-0.2, 1.5);
  const double noise_var = 0.1;
  const auto h = complex_matrix({a, 0, 0, b}, 2, 2, torch::kComplexFloat).unsqueeze(0);
  const auto y = torch::randn({1, 2, 5}, torch::kComplexFloat);
  const auto eq = mmse_equalize(y, h, torch::tensor({float(noise_var)}));
  for (int l = 0; l < 5; ++l) {
    EXPECT_LT(std::abs(at(eq.symbols, {0, 0, l}) - at(y, {0, 0, l}) / a), 1e-5);
    EXPECT_LT(std::abs(at(eq.symbols, {0, 1, l}) - at(y, {0, 1, l}) / b), 1e-5);
  }
  EXPECT_NEAR(eq.stream_snr_db[0][0].item<double>(),
              10 * std::log10(std::norm(a) / (2 * noise_var)), 1e-4);
  EXPECT_NEAR(eq.stream_snr_db[0][1].item<double>(),
              10 * std::log10(std::norm(b) / (2 * noise_var)), 1e-4);
}

TEST(MmseEqualize, HandBuilt2x2MatchesClosedForm) {
  // H = [[h11, h12], [h21, h22]], nt = 2, per-stream power P = 1/2.
  const cd h11(1, 0), h12(0, 0.5), h21(0.2, 0), h22(1, 0);
  const double nv = 0.05, load = 2 * nv;
  // G = H^H H, written out.
  const cd g11 = std::norm(h11) + std::norm(h21);
  const cd g12 = std::conj(h11) * h12 + std::conj(h21) * h22;
  const cd g21 = std::conj(g12);
  const cd g22 = std::norm(h12) + std::norm(h22);
  // A^-1 = (G + load I)^-1 by the 2x2 adjugate formula.
  const cd a11 = g11 + load, a22 = g22 + load, det = a11 * a22 - g12 * g21;
  const cd i11 = a22 / det, i12 = -g12 / det, i21 = -g21 / det, i22 = a11 / det;
  // W = A^-1 H^H.
  const cd w11 = i11 * std::conj(h11) + i12 * std::conj(h12);
  const cd w12 = i11 * std::conj(h21) + i12 * std::conj(h22);
  const cd w21 = i21 * std::conj(h11) + i22 * std::conj(h12);
  const cd w22 = i21 * std::conj(h21) + i22 * std::conj(h22);
  // Diagonal of W H (the bias), and the output SINR of each filter row
  // directly: P|w_i h_i|^2 / (P|w_i h_j|^2 + nv ||w_i||^2).
  const cd d1 = w11 * h11 + w12 * h21, c1 = w11 * h12 + w12 * h22;
  const cd c2 = w21 * h11 + w22 * h21, d2 = w21 * h12 + w22 * h22;
  const double p = 0.5;
  const double sinr1 =
      p * std::norm(d1) / (p * std::norm(c1) + nv * (std::norm(w11) + std::norm(w12)));
  const double sinr2 =
      p * std::norm(d2) / (p * std::norm(c2) + nv * (std::norm(w21) + std::norm(w22)));
  // The same SINR from the closed form 1 / [(I + G / load)^-1]_ii - 1.
  const cd m11 = 1.0 + g11 / load, m12 = g12 / load, m21 = g21 / load, m22 = 1.0 + g22 / load;
  const cd mdet = m11 * m22 - m12 * m21;
  EXPECT_NEAR(sinr1, 1.0 / (m22 / mdet).real() - 1.0, 1e-9);
  EXPECT_NEAR(sinr2, 1.0 / (m11 / mdet).real() - 1.0, 1e-9);

  const std::vector<cd> yv = {{0.3, -1.1}, {0.7, 0.2}, {-0.5, 0.4}, {1.2, 0.9}};  // [nr=2, L=2]
  const auto h = complex_matrix({h11, h12, h21, h22}, 2, 2, torch::kComplexFloat).unsqueeze(0);
  const auto y = complex_matrix(yv, 2, 2, torch::kComplexFloat).unsqueeze(0);
  const auto eq = mmse_equalize(y, h, torch::tensor({float(nv)}));
  for (int l = 0; l < 2; ++l) {
    const cd y1 = yv[l], y2 = yv[2 + l];
    EXPECT_LT(std::abs(at(eq.symbols, {0, 0, l}) - (w11 * y1 + w12 * y2) / d1), 1e-5);
    EXPECT_LT(std::abs(at(eq.symbols, {0, 1, l}) - (w21 * y1 + w22 * y2) / d2), 1e-5);
  }
  EXPECT_NEAR(eq.stream_snr_db[0][0].item<double>(), 10 * std::log10(sinr1), 1e-4);
  EXPECT_NEAR(eq.stream_snr_db[0][1].item<double>(), 10 * std::log10(sinr2), 1e-4);
}

TEST(MmseEqualize, HighSnrEqualsZeroForcing) {
  torch::manual_seed(7);
  const int64_t batch = 16;
  const auto h = torch::randn({batch, 3, 3}, torch::kComplexDouble);
  const auto y = torch::randn({batch, 3, 6}, torch::kComplexDouble);
  const auto eq = mmse_equalize(y, h, torch::full({batch}, 1e-8, torch::kDouble));
  const auto zf = torch::linalg_solve(h, y);
  EXPECT_LT(max_abs_diff(eq.symbols, zf) / zf.abs().max().item<double>(), 1e-4);
}

// The radio receiver equalises with its own Eigen code (rx_processing has no
// Torch); the decoder was trained with this one. They must agree.
TEST(MmseEqualize, AgreesWithTheRadioReceiversEigenImplementation) {
  torch::manual_seed(3);
  const int nr = 3, nt = 2, uses = 7;
  const auto h = torch::randn({1, nr, nt}, torch::kComplexDouble);
  const auto y = torch::randn({1, nr, uses}, torch::kComplexDouble);
  const double noise = 0.3;
  const auto eq = mmse_equalize(y, h, torch::full({1}, noise, torch::kDouble));
  moema::rx::ComplexMatrix he(nr, nt), ye(nr, uses);
  for (int r = 0; r < nr; ++r) {
    for (int t = 0; t < nt; ++t) {
      const auto v = h[0][r][t].item<c10::complex<double>>();
      he(r, t) = {v.real(), v.imag()};
    }
    for (int u = 0; u < uses; ++u) {
      const auto v = y[0][r][u].item<c10::complex<double>>();
      ye(r, u) = {v.real(), v.imag()};
    }
  }
  const auto radio = moema::rx::mmse_equalize(ye, he, noise);
  for (int t = 0; t < nt; ++t) {
    EXPECT_NEAR(eq.stream_snr_db[0][t].item<double>(), radio.sinr_db[t], 1e-9);
    for (int u = 0; u < uses; ++u) {
      const auto v = eq.symbols[0][t][u].item<c10::complex<double>>();
      EXPECT_NEAR(std::abs(std::complex<double>(v.real(), v.imag()) - radio.symbols(t, u)), 0.0, 1e-9);
    }
  }
}

TEST(MmseEqualize, RejectsMismatchedShapes) {
  const auto y = torch::zeros({2, 2, 4}, torch::kComplexFloat);
  EXPECT_THROW(mmse_equalize(y, torch::zeros({2, 3, 2}, torch::kComplexFloat), torch::ones({2})),
               std::invalid_argument);
  EXPECT_THROW(mmse_equalize(y, torch::zeros({2, 2, 2}, torch::kComplexFloat), torch::ones({3})),
               std::invalid_argument);
}

// ---- MIMO channel ----

TEST(ChannelMimo, NoiseFreeReturnsInput) {
  torch::manual_seed(8);
  for (const bool svd : {false, true}) {
    for (const auto& [nt, nr] :
         {std::pair{1, 1}, std::pair{2, 2}, std::pair{2, 4}, std::pair{4, 4}}) {
      const Channel channel(config("mimo", nt, nr, 0.0, svd));
      const auto x = random_symbols(32, 64);
      const auto out = channel.transmit(x, full_snr(32, 200.0));
      EXPECT_LT(max_abs_diff(out.symbols, x), 1e-4) << nt << "x" << nr << " svd " << svd;
      EXPECT_EQ(out.symbols.scalar_type(), torch::kComplexFloat);
      ASSERT_EQ(out.channel.sizes(), (torch::IntArrayRef{32, nr, nt}));
      ASSERT_EQ(out.stream_snr_db.sizes(), (torch::IntArrayRef{32, nt}));
      EXPECT_EQ(out.stream_snr_db.max().item<double>(), 60.0);  // clamped
    }
  }
}

// The layout: symbol s on antenna s % nt at use s / nt. Only antenna 0
// carries data here; with a wrong channel estimate (no noise) the receiver
// leaks it into stream 1 through the same 2x2 map at every use, so
// out[2l+1] / out[2l] is one constant per image. Any other layout would mix
// symbols from different uses and break that.
TEST(ChannelMimo, LayoutIsAntennaInterleaved) {
  torch::manual_seed(9);
  const int64_t batch = 4, uses = 16;
  auto x = torch::randn({batch, uses, 2}, torch::kComplexFloat);
  x.select(2, 1).zero_();
  x = x.reshape({batch, 2 * uses});
  const auto out = Channel(config("mimo", 2, 2, 1.0)).transmit(x, full_snr(batch, 200.0));
  const auto pairs = out.symbols.view({batch, uses, 2});
  const auto ratio = pairs.select(2, 1) / pairs.select(2, 0);  // [B, uses]
  EXPECT_GT(ratio.abs().min().item<double>(), 1e-3);           // there is leakage to see
  EXPECT_LT(max_abs_diff(ratio, ratio.select(1, 0).unsqueeze(1).expand_as(ratio)),
            1e-4 * ratio.abs().max().item<double>());
}

// Per-stream error variance of out - x over many images against the mean of
// 1 / SINR from the reported SNR (unit-power symbols; the channel's 1/sqrt(nt)
// antenna scaling is undone at its output): the reported SNR is what the
// receiver really gets.
void expect_honest_snr(const ChannelConfig& c, double snr_db) {
  torch::manual_seed(10);
  const int64_t batch = 512, uses = 1024, nt = c.nt;
  const auto x = random_symbols(batch, nt * uses);
  const auto out = Channel(c).transmit(x, full_snr(batch, snr_db));
  const auto err =
      (out.symbols - x).view({batch, uses, nt}).abs().pow(2).mean(1).to(torch::kDouble);  // [B, nt]
  const auto predicted = torch::pow(10.0, -out.stream_snr_db.to(torch::kDouble) / 10.0);
  // Images at the -30 dB clamp report less error than they have; skip them.
  const auto keep = out.stream_snr_db > -29.9;
  for (int64_t i = 0; i < nt; ++i) {
    const auto k = keep.select(1, i);
    const double e = err.select(1, i).masked_select(k).mean().item<double>();
    const double p = predicted.select(1, i).masked_select(k).mean().item<double>();
    EXPECT_NEAR(e / p, 1.0, 0.1) << c.nt << "x" << c.nr << " svd " << c.svd_precoding << " stream "
                                 << i;
    // Image by image too (1024 uses each: a few % of sampling noise), so a
    // mismatch on ill-conditioned channels cannot hide in the average.
    const double per_image =
        (err.select(1, i) / predicted.select(1, i)).masked_select(k).mean().item<double>();
    EXPECT_NEAR(per_image, 1.0, 0.03) << "stream " << i;
  }
  const double h_power = out.channel.abs().pow(2).mean().item<double>();
  EXPECT_NEAR(h_power, 1.0, 0.05);
}

TEST(ChannelMimo, ReportedSnrMatchesErrorVariance2x2) {
  expect_honest_snr(config("mimo", 2, 2), 15.0);
}
TEST(ChannelMimo, ReportedSnrMatchesErrorVariance4x2) {
  expect_honest_snr(config("mimo", 2, 4), 5.0);
}
TEST(ChannelMimo, ReportedSnrMatchesErrorVarianceSvd) {
  expect_honest_snr(config("mimo", 2, 2, 0.0, true), 10.0);
}

TEST(ChannelMimo, EstimationErrorAddsErrorAndSnrComesFromEstimate) {
  const int64_t batch = 2000, uses = 64;
  const double snr_db = 30.0, nmse = 1.0;
  const auto run = [&](double e) {
    torch::manual_seed(11);
    const auto x = random_symbols(batch, 2 * uses);
    auto out = Channel(config("mimo", 2, 2, e)).transmit(x, full_snr(batch, snr_db));
    const double err = (out.symbols - x).abs().pow(2).mean().item<double>();
    return std::pair{out, err};
  };
  const auto [perfect, err_perfect] = run(0.0);
  const auto [noisy, err_noisy] = run(nmse);
  EXPECT_GT(err_noisy, 10 * err_perfect);

  // The SNR the true H would give, from the receiver's own formula.
  const auto noise_var = torch::full({batch}, std::pow(10.0, -snr_db / 10.0));
  const auto dummy = torch::zeros({batch, 2, 1}, torch::kComplexFloat);
  const auto true_snr = mmse_equalize(dummy, noisy.channel, noise_var).stream_snr_db;
  // Without estimation error the report is the true-H SNR ...
  EXPECT_LT((mmse_equalize(dummy, perfect.channel, noise_var).stream_snr_db - perfect.stream_snr_db)
                .abs()
                .max()
                .item<double>(),
            1e-3);
  // ... with it, it follows H_est = H + E, whose power is 1 + nmse: near
  // zero forcing the SNR scales with the channel power, so the mean dB
  // report sits 10 log10(1 + nmse) above the true-H one.
  EXPECT_GT((noisy.stream_snr_db - true_snr).abs().mean().item<double>(), 1.0);
  const double shift = (noisy.stream_snr_db.mean() - true_snr.mean()).item<double>();
  EXPECT_NEAR(shift, 10 * std::log10(1 + nmse), 0.5);
  // The receiver does not know about E, so it is over-optimistic.
  const double promised =
      (torch::pow(10.0, -noisy.stream_snr_db.to(torch::kDouble) / 10.0)).mean().item<double>();
  EXPECT_GT(err_noisy, 1.5 * promised);
}

// ---- configuration and argument checks ----

TEST(ChannelConfigJson, RoundTripAndDefaults) {
  const auto c = config("mimo", 4, 8, 0.01, true);
  const auto back = ChannelConfig::from_json(c.to_json());
  EXPECT_EQ(back.kind, "mimo");
  EXPECT_EQ(back.nt, 4);
  EXPECT_EQ(back.nr, 8);
  EXPECT_DOUBLE_EQ(back.estimation_nmse, 0.01);
  EXPECT_TRUE(back.svd_precoding);
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.streams(), 4);

  const auto d = ChannelConfig::from_json(nlohmann::json::object());
  EXPECT_EQ(d.to_json(), ChannelConfig{}.to_json());
  EXPECT_EQ(ChannelConfig::from_json({{"kind", "awgn"}}).streams(), 1);
}

TEST(ChannelConfigJson, RejectsBadValuesNamingTheKey) {
  using nlohmann::json;
  expect_invalid([] { ChannelConfig::from_json({{"nt", 0}}); }, "nt");
  expect_invalid([] { ChannelConfig::from_json({{"nr", -1}}); }, "nr");
  expect_invalid([] { ChannelConfig::from_json({{"kind", "foo"}}); }, "kind");
  expect_invalid([] { ChannelConfig::from_json({{"nt", 2.5}}); }, "nt");
  expect_invalid([] { ChannelConfig::from_json({{"nt", "2"}}); }, "nt");
  expect_invalid([] { ChannelConfig::from_json({{"estimation_nmse", -0.1}}); }, "estimation_nmse");
  expect_invalid([] { ChannelConfig::from_json({{"svd_precoding", 1}}); }, "svd_precoding");
  expect_invalid(
      [] {
        ChannelConfig::from_json({{"svd_precoding", true}, {"nt", 4}, {"nr", 2}});
      },
      "nr");
  expect_invalid([] { ChannelConfig::from_json({{"n_t", 2}}); }, "n_t");
  expect_invalid([] { Channel(config("mimo", 0, 2)); }, "nt");
}

TEST(ChannelArguments, TransmitRejectsBadInputs) {
  const Channel channel(config("mimo", 2, 2));
  expect_invalid(
      [&] {
        channel.transmit(torch::zeros({3, 7}, torch::kComplexFloat), full_snr(3, 10));
      },
      "S=7");
  expect_invalid(
      [&] {
        channel.transmit(torch::zeros({3, 7}, torch::kComplexFloat), full_snr(3, 10));
      },
      "nt=2");
  EXPECT_THROW(channel.transmit(torch::zeros({3, 8}), full_snr(3, 10)), std::invalid_argument);
  EXPECT_THROW(channel.transmit(torch::zeros({3, 8}, torch::kComplexFloat), full_snr(2, 10)),
               std::invalid_argument);
  // A single SNR applies to every image.
  EXPECT_EQ(channel.transmit(random_symbols(3, 8), torch::tensor({10.f})).stream_snr_db.size(0), 3);
}

TEST(ChannelDevice, RunsOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(12);
  for (const auto& c :
       {config("awgn", 1, 1), config("mimo", 2, 2), config("mimo", 2, 2, 0.0, true)}) {
    auto x = random_symbols(8, 32).to(torch::kCUDA).requires_grad_();
    const auto out = Channel(c).transmit(x, full_snr(8, 200.0));
    EXPECT_TRUE(out.symbols.is_cuda());
    EXPECT_TRUE(out.stream_snr_db.is_cuda());
    EXPECT_LT(max_abs_diff(out.symbols.cpu(), x.detach().cpu()), 1e-4) << c.kind;
    out.symbols.abs().pow(2).sum().backward();
    EXPECT_TRUE(x.grad().defined());
  }
}

}  // namespace
}  // namespace moema::jscc
