// JSON-RPC 2.0 framing of the control protocol: one JSON object per line.
//
// Parsing never throws and trusts nothing: the server feeds every line it
// reads to parse_request(), the client every line to parse_incoming(). The
// make_* functions build the objects; to_line() serializes one without
// throwing. Batches (JSON arrays) are not supported. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "errors.hpp"

namespace hc::proto {

// The longest line either side accepts, newline excluded. A reader stops
// reading a longer line and answers request_too_large (or closes).
inline constexpr std::size_t kMaxLineBytes = 16 * 1024 * 1024;
// The longest line a client accepts from the daemon: a block that fit in a
// request may come back in base64, 4/3 as long.
inline constexpr std::size_t kMaxAnswerLineBytes = 2 * kMaxLineBytes;
// The deepest nesting of arrays and objects a message may have (ours need
// three); deeper ones are invalid_request.
inline constexpr std::size_t kMaxNesting = 64;

struct Request {
  // A number, a string or null; nullopt: a notification, which gets no reply.
  std::optional<nlohmann::json> id;
  std::string method;
  nlohmann::json params = nlohmann::json::object();  // always an object

  bool is_notification() const { return !id.has_value(); }
};

// Why a line is not a request, with the id to answer to (null when the line
// had none we could read, as JSON-RPC 2.0 asks).
struct RequestError {
  nlohmann::json id;
  Error error;
};

// Errors: request_too_large, parse_error (not JSON, which includes invalid
// UTF-8), invalid_request (not an object, "jsonrpc" not "2.0", id not a
// number/string/null, method missing or not a string, params neither absent
// nor structured), invalid_params (params given by position as an array).
// Unknown members are ignored.
Outcome<Request, RequestError> parse_request(std::string_view line);

// What a client reads: a response to one of its requests or a notification
// (a Request without id).
struct Response {
  nlohmann::json id;
  nlohmann::json result;       // null when error is set
  std::optional<Error> error;
};
using Incoming = std::variant<Response, Request>;

// Errors: as parse_request (but lines may hold kMaxAnswerLineBytes);
// invalid_request for a response with neither or both of result and error, or
// an error object without integer code and string message.
Outcome<Incoming> parse_incoming(std::string_view line);

nlohmann::json make_request(const nlohmann::json& id, std::string_view method,
                            nlohmann::json params = nlohmann::json::object());
nlohmann::json make_result(const nlohmann::json& id, nlohmann::json result);
// `data` is left out when null.
nlohmann::json make_error(const nlohmann::json& id, Errc code, std::string_view message,
                          const nlohmann::json& data = nullptr);
nlohmann::json make_error(const nlohmann::json& id, const Error& error);
nlohmann::json notification(std::string_view method,
                            nlohmann::json params = nlohmann::json::object());

// Compact JSON plus '\n'. Never throws: invalid UTF-8 in a string (a bug: the
// methods layer never puts any there) becomes U+FFFD.
std::string to_line(const nlohmann::json& message);

}  // namespace hc::proto
