#include "output.hpp"

#include <algorithm>
#include <iostream>
#include <string>
#include <utility>

#include "encoding/key_id.hpp"
#include "proto/block_encoding.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/utf8.hpp"

namespace hc::ctl {

void print_failure(std::string_view message) {
  std::string line(message);
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  std::cout.flush();
  std::cerr << "corectl: " << line << '\n';
}

int fail(const ClientError& error) {
  print_failure(error.message);
  return error.kind == ClientError::Kind::not_running ? kExitNotRunning : kExitFailed;
}

int fail_result(std::string_view method, const proto::Error& error) {
  print_failure("unexpected result of " + std::string(method) + " from hypercored: " +
                error.message);
  return kExitFailed;
}

void print_json_line(const nlohmann::json& j) { std::cout << proto::to_line(j); }

void print_block(std::uint64_t index, Bytes block, bool json, bool base64) {
  if (json) {
    const bool text = !base64 && proto::is_valid_utf8(as_chars(block));
    const auto encoding = text ? proto::BlockEncoding::utf8 : proto::BlockEncoding::base64;
    // Cannot fail: utf8 only for valid UTF-8.
    print_json_line(proto::to_json(proto::GetResult{index, std::move(block), encoding}).value());
  } else if (base64) {
    std::cout << proto::to_base64(block) << '\n';
  } else {
    std::cout.write(reinterpret_cast<const char*>(block.data()),
                    static_cast<std::streamsize>(block.size()));
    std::cout << '\n';
  }
}

void print_info(const proto::CoreInfo& info) {
  std::cout << "key: " << encoding::encode_key_id(info.key) << '\n'
            << "key_hex: " << encoding::to_hex(info.key) << '\n'
            << "discovery_key: " << encoding::to_hex(info.discovery_key) << '\n'
            << "name: " << (info.name ? *info.name : "-") << '\n'
            << "length: " << info.length << '\n'
            << "byte_length: " << info.byte_length << '\n'
            << "contiguous_length: " << info.contiguous_length << '\n'
            << "fork: " << info.fork << '\n'
            << "writable: " << (info.writable ? "yes" : "no") << '\n';
  if (info.peers) std::cout << "peers: " << *info.peers << '\n';
}

void print_list_row(const proto::CoreInfo& info) {
  std::cout << encoding::encode_key_id(info.key) << "  " << info.length << "  "
            << (info.writable ? "rw" : "ro") << "  " << (info.name ? *info.name : "-") << '\n';
}

}  // namespace hc::ctl
