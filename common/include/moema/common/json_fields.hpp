// JSON converters for plain configuration structs, generated from the list
// of their fields with nlohmann's NLOHMANN_JSON_PASTE:
//
//   MOEMA_JSON_FIELDS(DeploymentConfig, devices, codeword_length, seed)
//
// defines to_json and from_json for the struct (found by nlohmann through
// ADL, so `nlohmann::json j = config;` and `j.get<DeploymentConfig>()`
// work). Every field is written under its own name. Reading keeps the
// default of a missing key, so files written before a field existed still
// load, and an error names the key and the problem. Enums go through
// MOEMA_JSON_ENUM with the type's own to_string and parse functions, so an
// unknown name is an error, not a silent default.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace moema::json_fields {

inline void require_object(const nlohmann::json& j, const char* type) {
  if (!j.is_object()) throw std::invalid_argument(std::string(type) + ": expected a JSON object, got " + j.dump());
}

template <typename T>
void read(const nlohmann::json& j, const char* key, T& field) {
  const auto it = j.find(key);
  if (it == j.end()) return;  // a missing key keeps its default
  try {
    it->get_to(field);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string(key) + ": " + e.what());
  }
}

}  // namespace moema::json_fields

#define MOEMA_JSON_WRITE_FIELD(field) moema_json_j[#field] = moema_json_v.field;
#define MOEMA_JSON_READ_FIELD(field) ::moema::json_fields::read(moema_json_j, #field, moema_json_v.field);

#define MOEMA_JSON_FIELDS(Type, ...)                                                       \
  inline void to_json(nlohmann::json& moema_json_j, const Type& moema_json_v) {            \
    moema_json_j = nlohmann::json::object();                                              \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(MOEMA_JSON_WRITE_FIELD, __VA_ARGS__))         \
  }                                                                                        \
  inline void from_json(const nlohmann::json& moema_json_j, Type& moema_json_v) {          \
    ::moema::json_fields::require_object(moema_json_j, #Type);                             \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(MOEMA_JSON_READ_FIELD, __VA_ARGS__))          \
  }

#define MOEMA_JSON_ENUM(Enum, to_string_function, parse_function)                                        \
  inline void to_json(nlohmann::json& moema_json_j, Enum moema_json_v) {                                 \
    moema_json_j = to_string_function(moema_json_v);                                                     \
  }                                                                                                      \
  inline void from_json(const nlohmann::json& moema_json_j, Enum& moema_json_v) {                        \
    moema_json_v = parse_function(moema_json_j.get<std::string>());                                      \
  }
