#include "jsonrpc.hpp"

#include <algorithm>
#include <string>

namespace hc::proto {
namespace {

using nlohmann::json;

constexpr std::string_view kVersion = "2.0";

Error bad_request(std::string msg) { return Error(Errc::invalid_request, std::move(msg)); }

// The deepest nesting of arrays and objects in `text`, which is valid JSON.
// Copying a json value recurses once per level, so a request a million levels
// deep would overflow the stack of whoever copies it: refuse it after the
// (iterative) parse, before any copy. Brackets inside strings do not count.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth > 0) depth--;
  }
  return deepest;
}

// Checks what requests, notifications and responses share: an object with
// "jsonrpc":"2.0". Returns the parsed object or the error.
Outcome<json> parse_message(std::string_view line, std::size_t max_bytes) {
  if (line.size() > max_bytes) return Error(Errc::request_too_large);
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(Errc::parse_error);
  if (nesting_depth(line) > kMaxNesting)
    return bad_request("invalid request: JSON nested deeper than " + std::to_string(kMaxNesting) +
                       " levels");
  if (j.is_array()) return bad_request("invalid request: batches (JSON arrays) are not supported");
  if (!j.is_object()) return bad_request("invalid request: expected a JSON object");
  auto v = j.find("jsonrpc");
  if (v == j.end() || !v->is_string() || v->get_ref<const std::string&>() != kVersion)
    return bad_request("invalid request: \"jsonrpc\" must be \"2.0\"");
  return j;
}

bool valid_id(const json& id) { return id.is_number() || id.is_string() || id.is_null(); }

// The method/params part of a request or notification whose envelope is valid.
Outcome<Request> parse_call(const json& j, std::optional<json> id) {
  Request r;
  r.id = std::move(id);
  auto m = j.find("method");
  if (m == j.end() || !m->is_string())
    return bad_request("invalid request: \"method\" must be a string");
  r.method = m->get<std::string>();
  auto p = j.find("params");
  if (p != j.end()) {
    if (p->is_array())
      return Error(Errc::invalid_params,
                   "invalid params: give params by name in an object, not by position in an array",
                   json{{"field", "params"}});
    if (!p->is_object()) return bad_request("invalid request: \"params\" must be an object");
    r.params = *p;
  }
  return r;
}

}  // namespace

Outcome<Request, RequestError> parse_request(std::string_view line) {
  auto msg = parse_message(line, kMaxLineBytes);
  if (!msg) return RequestError{nullptr, msg.error()};
  const json& j = *msg;
  std::optional<json> id;
  if (auto i = j.find("id"); i != j.end()) {
    if (!valid_id(*i))
      return RequestError{nullptr,
                          bad_request("invalid request: \"id\" must be a number, a string or null")};
    id = *i;
  }
  auto call = parse_call(j, id);
  if (!call) return RequestError{id.value_or(nullptr), call.error()};
  return std::move(call).value();
}

Outcome<Incoming> parse_incoming(std::string_view line) {
  auto msg = parse_message(line, kMaxAnswerLineBytes);
  if (!msg) return msg.error();
  const json& j = *msg;
  auto i = j.find("id");
  if (i == j.end()) {
    auto call = parse_call(j, std::nullopt);
    if (!call) return call.error();
    return Incoming(std::move(call).value());
  }
  if (!valid_id(*i))
    return bad_request("invalid response: \"id\" must be a number, a string or null");
  Response r;
  r.id = *i;
  auto res = j.find("result");
  auto err = j.find("error");
  if ((res == j.end()) == (err == j.end()))
    return bad_request("invalid response: expected exactly one of \"result\" and \"error\"");
  if (res != j.end()) {
    r.result = *res;
    return Incoming(std::move(r));
  }
  if (!err->is_object()) return bad_request("invalid response: \"error\" must be an object");
  auto code = err->find("code");
  auto message = err->find("message");
  if (code == err->end() || !code->is_number_integer() || message == err->end() ||
      !message->is_string())
    return bad_request("invalid response: \"error\" needs an integer code and a string message");
  auto c = code->get<std::int64_t>();
  if (c < INT32_MIN || c > INT32_MAX)
    return bad_request("invalid response: error code out of range");
  auto data = err->find("data");
  r.error = Error(static_cast<Errc>(c), message->get<std::string>(),
                  data == err->end() ? json(nullptr) : *data);
  return Incoming(std::move(r));
}

nlohmann::json make_request(const nlohmann::json& id, std::string_view method,
                            nlohmann::json params) {
  return json{{"jsonrpc", kVersion}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

nlohmann::json make_result(const nlohmann::json& id, nlohmann::json result) {
  return json{{"jsonrpc", kVersion}, {"id", id}, {"result", std::move(result)}};
}

nlohmann::json make_error(const nlohmann::json& id, Errc code, std::string_view message,
                          const nlohmann::json& data) {
  json e{{"code", static_cast<int>(code)}, {"message", message}};
  if (!data.is_null()) e["data"] = data;
  return json{{"jsonrpc", kVersion}, {"id", id}, {"error", std::move(e)}};
}

nlohmann::json make_error(const nlohmann::json& id, const Error& error) {
  return make_error(id, error.code, error.message, error.data);
}

nlohmann::json notification(std::string_view method, nlohmann::json params) {
  return json{{"jsonrpc", kVersion}, {"method", method}, {"params", std::move(params)}};
}

std::string to_line(const nlohmann::json& message) {
  std::string s = message.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  return s;
}

}  // namespace hc::proto
