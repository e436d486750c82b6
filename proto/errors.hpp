// Control-protocol errors: the stable JSON-RPC error codes hypercored answers
// with, and Error, the value a JSON-RPC error object carries.
//
// Codes are part of the protocol: scripts match on them, so a value never
// changes meaning. -32700..-32603 are JSON-RPC 2.0's own; -32001.. are ours
// (JSON-RPC reserves -32000..-32099 for server errors). Pure values: no I/O,
// no threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace hc::proto {

enum class Errc : int {
  // JSON-RPC 2.0
  parse_error = -32700,       // the line is not JSON
  invalid_request = -32600,   // JSON, but not a JSON-RPC 2.0 request object
  method_not_found = -32601,
  invalid_params = -32602,    // a param is missing, of the wrong type or out of range
  internal_error = -32603,
  // hypercored
  core_not_found = -32001,
  not_writable = -32002,      // the daemon does not hold the core's secret key
  block_not_available = -32003,
  core_exists = -32004,
  invalid_key = -32005,       // neither 64 hex nor 52 z-base32 characters
  request_too_large = -32006, // a line longer than kMaxLineBytes
  storage_error = -32007,
  shutting_down = -32008,
};

const std::error_category& category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), category()}; }

// A message a person can act on; "unknown error <code>" for codes this build
// does not know (a newer daemon may send them).
std::string default_message(Errc e);

// What a JSON-RPC error object holds. `data` is null when absent; for
// invalid_params it is {"field": "<name>"} naming the offending field.
struct Error {
  Errc code = Errc::internal_error;
  std::string message;
  nlohmann::json data;

  Error() = default;
  Error(Errc c) : code(c), message(default_message(c)) {}  // NOLINT: implicit by design
  Error(Errc c, std::string msg, nlohmann::json d = nullptr)
      : code(c), message(std::move(msg)), data(std::move(d)) {}

  friend bool operator==(const Error&, const Error&) = default;
};

// invalid_params naming `field` (e.g. "blocks[3]"): message `"<field>" <problem>`.
Error invalid_field(std::string_view field, std::string_view problem,
                    Errc code = Errc::invalid_params);

// A value or an error, like hc::Result but with an error that carries a
// message and data for the wire. E defaults to Error.
template <class T, class E = Error>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Outcome(E error) : v_(std::in_place_index<1>, std::move(error)) {}   // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const E& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace hc::proto

template <>
struct std::is_error_code_enum<hc::proto::Errc> : std::true_type {};
