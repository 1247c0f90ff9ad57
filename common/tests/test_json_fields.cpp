// MOEMA_JSON_FIELDS and MOEMA_JSON_ENUM on a struct of every kind of field:
// the JSON has one key per field, by its name; a missing key keeps its
// default; a wrong type or an unknown enum name is an error naming the key.
#include "moema/common/json_fields.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace moema::test_json {

enum class Colour { Red, Green };
std::string to_string(Colour c) { return c == Colour::Red ? "red" : "green"; }
Colour parse_colour(const std::string& name) {
  if (name == "red") return Colour::Red;
  if (name == "green") return Colour::Green;
  throw std::invalid_argument("colour: unknown '" + name + "'");
}
MOEMA_JSON_ENUM(Colour, to_string, parse_colour)

struct Inner {
  int count = 3;
  double scale = 0.5;
};
MOEMA_JSON_FIELDS(Inner, count, scale)

struct Outer {
  std::uint64_t seed = 1;
  std::string name = "default";
  Colour colour = Colour::Green;
  std::vector<int> values{1, 2};
  Inner inner;
};
MOEMA_JSON_FIELDS(Outer, seed, name, colour, values, inner)

namespace {

std::string error_of(const nlohmann::json& j) {
  try {
    (void)j.get<Outer>();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(JsonFields, WritesOneKeyPerFieldByItsName) {
  Outer o;
  o.seed = 42;
  o.name = "x";
  o.colour = Colour::Red;
  o.values = {7};
  o.inner.count = 9;
  const nlohmann::json expected = {{"seed", 42}, {"name", "x"}, {"colour", "red"}, {"values", {7}},
                                   {"inner", {{"count", 9}, {"scale", 0.5}}}};
  EXPECT_EQ(nlohmann::json(o), expected);
}

TEST(JsonFields, RoundTripsThroughText) {
  Outer o;
  o.seed = 0xFFFFFFFFFFFFULL;
  o.inner.scale = -1.25;
  const Outer back = nlohmann::json::parse(nlohmann::json(o).dump()).get<Outer>();
  EXPECT_EQ(back.seed, o.seed);
  EXPECT_EQ(back.inner.scale, -1.25);
  EXPECT_EQ(back.colour, Colour::Green);
}

TEST(JsonFields, MissingKeysKeepTheirDefaults) {
  const Outer o = nlohmann::json{{"name", "only"}, {"inner", {{"count", 5}}}}.get<Outer>();
  EXPECT_EQ(o.name, "only");
  EXPECT_EQ(o.seed, 1u);
  EXPECT_EQ(o.colour, Colour::Green);
  EXPECT_EQ(o.values, (std::vector<int>{1, 2}));
  EXPECT_EQ(o.inner.count, 5);
  EXPECT_EQ(o.inner.scale, 0.5);
}

TEST(JsonFields, ErrorsNameTheKey) {
  EXPECT_EQ(error_of({{"seed", "ten"}}).rfind("seed: ", 0), 0u) << error_of({{"seed", "ten"}});
  EXPECT_EQ(error_of({{"inner", {{"scale", "big"}}}}).rfind("inner: scale: ", 0), 0u);
  const std::string colour = error_of({{"colour", "blue"}});
  EXPECT_EQ(colour.rfind("colour: ", 0), 0u) << colour;
  EXPECT_NE(colour.find("'blue'"), std::string::npos) << colour;
}

TEST(JsonFields, ANonObjectIsRefusedWithTheTypeName) {
  const std::string e = error_of(nlohmann::json::array({1, 2}));
  EXPECT_NE(e.find("Outer: expected a JSON object"), std::string::npos) << e;
  EXPECT_EQ(error_of({{"inner", 3}}).rfind("inner: Inner: expected a JSON object", 0), 0u);
}

}  // namespace
}  // namespace moema::test_json
