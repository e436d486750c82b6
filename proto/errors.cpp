#include "errors.hpp"

namespace hc::proto {
namespace {

const char* known_message(Errc e) {
  switch (e) {
    case Errc::parse_error:
      return "parse error: the request is not valid JSON (send one JSON object per line)";
    case Errc::invalid_request:
      return "invalid request: expected a JSON-RPC 2.0 object with \"jsonrpc\":\"2.0\" and a "
             "string \"method\"";
    case Errc::method_not_found:
      return "method not found: check the method name; an older daemon may not know it yet";
    case Errc::invalid_params: return "invalid params: check the names and types of the params";
    case Errc::internal_error:
      return "internal error in the daemon: see its log, and report it if it repeats";
    case Errc::core_not_found:
      return "core not found: check the name or key (corectl list shows the local cores)";
    case Errc::not_writable:
      return "core is not writable: this daemon does not hold its secret key";
    case Errc::block_not_available:
      return "block not available: it is past the core's length or not downloaded yet";
    case Errc::core_exists: return "core already exists: pick another name, or use the existing core";
    case Errc::invalid_key:
      return "invalid key: expected 64 hex or 52 z-base32 characters";
    case Errc::request_too_large:
      return "request too large: a line may hold at most 16 MiB; split the blocks into "
             "several requests";
    case Errc::storage_error:
      return "storage error: the daemon could not read or write its database; see its log";
    case Errc::shutting_down: return "the daemon is shutting down: retry once it is restarted";
  }
  return nullptr;
}

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "proto"; }
  std::string message(int c) const override { return default_message(static_cast<Errc>(c)); }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

std::string default_message(Errc e) {
  if (const char* m = known_message(e)) return m;
  return "unknown error " + std::to_string(static_cast<int>(e));
}

Error invalid_field(std::string_view field, std::string_view problem, Errc code) {
  std::string msg;
  msg.reserve(field.size() + problem.size() + 3);
  msg += '"';
  msg += field;
  msg += "\" ";
  msg += problem;
  return Error(code, std::move(msg), nlohmann::json{{"field", std::string(field)}});
}

}  // namespace hc::proto
