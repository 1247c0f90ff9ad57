#include "moema/jscc/channel.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace moema::jscc {
namespace {

constexpr double kMinSnrDb = -30.0;
constexpr double kMaxSnrDb = 60.0;

std::string shape_of(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

void require_complex(const torch::Tensor& t, int64_t dim, const std::string& what) {
  if (!t.defined() || !t.is_complex() || t.dim() != dim)
    throw std::invalid_argument(what + " must be a " + std::to_string(dim) +
                                "-D complex tensor, got " +
                                (t.defined() ? shape_of(t) + " " + std::string(t.dtype().name())
                                             : std::string("an undefined tensor")));
}

torch::ScalarType real_type_of(const torch::Tensor& t) {
  return c10::toRealValueType(t.scalar_type());
}

// One value per image, as double on `device`; a single value applies to all.
torch::Tensor per_image(const torch::Tensor& v, int64_t batch, torch::Device device,
                        const std::string& what) {
  if (!v.defined() || (v.numel() != batch && v.numel() != 1))
    throw std::invalid_argument(what + " must hold one value per image (" + std::to_string(batch) +
                                ") or a single value, got " +
                                (v.defined() ? shape_of(v) : std::string("an undefined tensor")));
  return v.detach().to(device, torch::kDouble).reshape({-1}).expand({batch});
}

// 10 log10 of a linear SNR, clamped so that degenerate channels stay finite.
torch::Tensor to_db_clamped(const torch::Tensor& linear) {
  return (10.0 * torch::log10(linear.clamp_min(std::pow(10.0, kMinSnrDb / 10.0))))
      .clamp(kMinSnrDb, kMaxSnrDb);
}

torch::Tensor hermitian(const torch::Tensor& a) { return a.transpose(-2, -1).conj(); }

// Complex normal CN(0, 1) entries (re and im each N(0, 1/2)), like `like`.
torch::Tensor complex_normal(at::IntArrayRef sizes, const torch::Tensor& like) {
  return torch::randn(sizes, like.options().dtype(torch::kComplexDouble));
}

void validate(const ChannelConfig& c) {
  if (c.kind != "mimo" && c.kind != "awgn")
    throw std::invalid_argument("channel config: kind must be \"mimo\" or \"awgn\", got \"" +
                                c.kind + "\"");
  if (c.nt < 1)
    throw std::invalid_argument("channel config: nt must be >= 1, got " + std::to_string(c.nt));
  if (c.nr < 1)
    throw std::invalid_argument("channel config: nr must be >= 1, got " + std::to_string(c.nr));
  if (!std::isfinite(c.estimation_nmse) || c.estimation_nmse < 0.0)
    throw std::invalid_argument("channel config: estimation_nmse must be finite and >= 0, got " +
                                std::to_string(c.estimation_nmse));
  // U^H y only separates nt streams when H has nt singular values.
  if (c.kind == "mimo" && c.svd_precoding && c.nr < c.nt)
    throw std::invalid_argument("channel config: nr must be >= nt with svd_precoding, got nr=" +
                                std::to_string(c.nr) + ", nt=" + std::to_string(c.nt));
}

// Reads j[key] into `out` when present, checking the JSON type first so that
// e.g. nt = 2.5 is rejected instead of truncated.
template <typename T>
void read_key(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key)) return;
  const auto& v = j.at(key);
  const auto bad = [&](const char* type) {
    return std::invalid_argument(std::string("channel config: ") + key + " must be " + type +
                                 ", got " + v.dump());
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw bad("a boolean");
    out = v.get<bool>();
  } else if constexpr (std::is_same_v<T, int>) {
    if (!v.is_number_integer()) throw bad("an integer");
    const auto n = v.get<int64_t>();
    if (n < INT32_MIN || n > INT32_MAX) throw bad("an int");
    out = static_cast<int>(n);
  } else if constexpr (std::is_same_v<T, double>) {
    if (!v.is_number()) throw bad("a number");
    out = v.get<double>();
  } else {
    if (!v.is_string()) throw bad("a string");
    out = v.get<std::string>();
  }
}

// y = H V x + n with V from H_est's SVD, then U^H y and a division by the
// singular values: parallel scalar channels when H_est = H.
Equalized svd_link(const torch::Tensor& x, const torch::Tensor& h, const torch::Tensor& h_est,
                   const torch::Tensor& noise, const torch::Tensor& noise_var, int nt) {
  torch::Tensor u, s, vh;
  std::tie(u, s, vh) = torch::linalg_svd(h_est, /*full_matrices=*/false);
  const auto y = h.matmul(hermitian(vh).matmul(x)) + noise;
  const auto gains = s.clamp_min(1e-12);
  Equalized out;
  out.symbols = hermitian(u).matmul(y) / gains.unsqueeze(-1);
  out.stream_snr_db = to_db_clamped(gains.pow(2) / (nt * noise_var.unsqueeze(-1)));
  return out;
}

}  // namespace

torch::Tensor real_to_complex(const torch::Tensor& real) {
  if (!real.defined() || !real.is_floating_point() || real.dim() < 1 || real.size(-1) % 2 != 0)
    throw std::invalid_argument(
        "real_to_complex: need a floating tensor whose last dim is even, got " +
        (real.defined() ? shape_of(real) : std::string("undefined")));
  auto sizes = real.sizes().vec();
  sizes.back() /= 2;
  sizes.push_back(2);
  return torch::view_as_complex(real.contiguous().view(sizes));
}

torch::Tensor complex_to_real(const torch::Tensor& symbols) {
  if (!symbols.defined() || !symbols.is_complex() || symbols.dim() < 1)
    throw std::invalid_argument("complex_to_real: need a complex tensor, got " +
                                (symbols.defined() ? shape_of(symbols) : std::string("undefined")));
  auto sizes = symbols.sizes().vec();
  sizes.back() *= 2;
  return torch::view_as_real(symbols.resolve_conj()).reshape(sizes);
}

torch::Tensor normalize_power(const torch::Tensor& symbols) {
  if (!symbols.defined() || !symbols.is_complex() || symbols.dim() < 1)
    throw std::invalid_argument("normalize_power: need complex symbols [B, S], got " +
                                (symbols.defined() ? shape_of(symbols) : std::string("undefined")));
  const auto energy = torch::view_as_real(symbols.resolve_conj()).pow(2).sum(-1).sum(-1, true);
  // The floor only matters for an all-zero row, which would otherwise give NaN.
  return symbols * (static_cast<double>(symbols.size(-1)) / energy.clamp_min(1e-30)).sqrt();
}

nlohmann::json ChannelConfig::to_json() const {
  return {{"kind", kind},
          {"nt", nt},
          {"nr", nr},
          {"estimation_nmse", estimation_nmse},
          {"svd_precoding", svd_precoding}};
}

ChannelConfig ChannelConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    throw std::invalid_argument("channel config: expected a JSON object, got " + j.dump());
  // Unknown keys are most likely typos that would silently give a default.
  for (const auto& item : j.items()) {
    const auto& k = item.key();
    if (k != "kind" && k != "nt" && k != "nr" && k != "estimation_nmse" && k != "svd_precoding")
      throw std::invalid_argument("channel config: unknown key " + k);
  }
  ChannelConfig c;
  read_key(j, "kind", c.kind);
  read_key(j, "nt", c.nt);
  read_key(j, "nr", c.nr);
  read_key(j, "estimation_nmse", c.estimation_nmse);
  read_key(j, "svd_precoding", c.svd_precoding);
  validate(c);
  return c;
}

int ChannelConfig::streams() const { return kind == "awgn" ? 1 : nt; }

Equalized mmse_equalize(const torch::Tensor& y, const torch::Tensor& h_est,
                        const torch::Tensor& noise_var) {
  require_complex(y, 3, "mmse_equalize: y");
  require_complex(h_est, 3, "mmse_equalize: h_est");
  const auto batch = y.size(0), nr = y.size(1), nt = h_est.size(2);
  if (h_est.size(0) != batch || h_est.size(1) != nr)
    throw std::invalid_argument("mmse_equalize: h_est " + shape_of(h_est) + " does not match y " +
                                shape_of(y) + " (want [B, nr, nt])");
  // Double precision: near zero-forcing, ill-conditioned H amplify rounding.
  const auto yd = y.to(torch::kComplexDouble);
  const auto h = h_est.to(y.device(), torch::kComplexDouble);
  const auto load =
      static_cast<double>(nt) *
      per_image(noise_var, batch, y.device(), "mmse_equalize: noise_var").view({batch, 1, 1});
  const auto h_hermitian = hermitian(h);
  const auto a_inv = torch::linalg_inv(h_hermitian.matmul(h) + load * torch::eye(nt, h.options()));
  const auto w = a_inv.matmul(h_hermitian);
  // Dividing by the diagonal of W H removes the MMSE shrinkage (unbiased).
  const auto gain = torch::real(torch::diagonal(w.matmul(h), 0, -2, -1)).clamp_min(1e-12);
  // (I + H^H H / load)^-1 = load * A^-1: the normalised MMSE of each stream.
  const auto mse = torch::real(torch::diagonal(a_inv, 0, -2, -1)) * load.view({batch, 1});
  Equalized out;
  out.symbols = (w.matmul(yd) / gain.unsqueeze(-1)).to(y.scalar_type());
  out.stream_snr_db = to_db_clamped(mse.reciprocal() - 1.0).to(real_type_of(y));
  return out;
}

Channel::Channel(ChannelConfig config) : config_(std::move(config)) { validate(config_); }

const ChannelConfig& Channel::config() const { return config_; }

ChannelOutput Channel::transmit(const torch::Tensor& x, const torch::Tensor& snr_db,
                                const torch::Tensor& given_h) const {
  require_complex(x, 2, "Channel::transmit: x");
  const auto batch = x.size(0), symbols = x.size(1);
  const int nt = config_.streams();
  if (symbols % nt != 0)
    throw std::invalid_argument("Channel::transmit: S=" + std::to_string(symbols) +
                                " symbols per image is not divisible by nt=" + std::to_string(nt));
  const auto snr = per_image(snr_db, batch, x.device(), "Channel::transmit: snr_db");
  const auto noise_var = torch::pow(10.0, -snr / 10.0);  // [B] double

  ChannelOutput out;
  if (config_.kind == "awgn") {
    const auto noise = torch::randn_like(x) * noise_var.sqrt().unsqueeze(-1).to(real_type_of(x));
    out.symbols = x + noise;
    out.stream_snr_db = snr.clamp(kMinSnrDb, kMaxSnrDb).unsqueeze(-1).to(real_type_of(x));
    return out;
  }

  // [B, S] -> [B, nt, L]: symbol s on antenna s % nt at channel use s / nt,
  // scaled so that the nt antennas together send unit power per use.
  const auto uses = symbols / nt;
  const double amplitude = std::sqrt(1.0 / nt);
  const auto xs =
      x.to(torch::kComplexDouble).reshape({batch, uses, nt}).transpose(1, 2) * amplitude;
  if (given_h.defined() && (!given_h.is_complex() || given_h.sizes() != at::IntArrayRef({batch, config_.nr, nt})))
    throw std::invalid_argument("Channel::transmit: given_h is " + shape_of(given_h) + ", expected [" +
                                std::to_string(batch) + ", " + std::to_string(config_.nr) + ", " +
                                std::to_string(nt) + "] complex");
  const auto h = given_h.defined() ? given_h.to(x.device(), torch::kComplexDouble)
                                   : complex_normal({batch, config_.nr, nt}, x);
  auto h_est = h;
  if (config_.estimation_nmse > 0.0)
    h_est = h + std::sqrt(config_.estimation_nmse) * complex_normal(h.sizes(), x);
  const auto noise =
      complex_normal({batch, config_.nr, uses}, x) * noise_var.sqrt().view({batch, 1, 1});

  const auto eq = config_.svd_precoding ? svd_link(xs, h, h_est, noise, noise_var, nt)
                                        : mmse_equalize(h.matmul(xs) + noise, h_est, noise_var);
  out.symbols =
      (eq.symbols / amplitude).transpose(1, 2).reshape({batch, symbols}).to(x.scalar_type());
  out.stream_snr_db = eq.stream_snr_db.to(real_type_of(x));
  out.channel = h.to(x.scalar_type());
  return out;
}

}  // namespace moema::jscc
