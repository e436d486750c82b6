#include "proto/block_encoding.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace hc;
using namespace hc::proto;
using nlohmann::json;

TEST_CASE("base64: RFC 4648 test vectors both ways") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(to_base64(as_bytes(plain)) == encoded);
    auto d = from_base64(encoded, "block");
    REQUIRE(d.ok());
    CHECK(as_chars(*d) == plain);
  }
  Bytes all(256);
  for (int i = 0; i < 256; i++) all[i] = static_cast<std::uint8_t>(i);
  CHECK(*from_base64(to_base64(all), "block") == all);
}

TEST_CASE("base64: malformed input is invalid_params naming the field") {
  for (const char* bad : {"Zg", "Zg=", "Zm9v!", "Zm 9v", "Zm9v\n", "====", "Z===", "-_8="}) {
    auto d = from_base64(bad, "blocks[2]");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().code == Errc::invalid_params);
    CHECK(d.error().data == json{{"field", "blocks[2]"}});
  }
}

TEST_CASE("encoding names") {
  CHECK(*parse_block_encoding("utf8", "encoding") == BlockEncoding::utf8);
  CHECK(*parse_block_encoding("utf-8", "encoding") == BlockEncoding::utf8);
  CHECK(*parse_block_encoding("base64", "encoding") == BlockEncoding::base64);
  for (const json& bad : {json("hex"), json(1), json(nullptr), json("BASE64")}) {
    auto e = parse_block_encoding(bad, "encoding");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == Errc::invalid_params);
  }
  CHECK(to_string(BlockEncoding::utf8) == "utf8");
  CHECK(to_string(BlockEncoding::base64) == "base64");
}

TEST_CASE("blocks: text must be UTF-8 both ways, base64 carries anything") {
  const Bytes binary{0xff, 0x00, 0xc0, 0x80};
  auto as_text = encode_block(binary, BlockEncoding::utf8, "block");
  REQUIRE_FALSE(as_text.ok());
  CHECK(as_text.error().code == Errc::invalid_params);
  auto as_b64 = encode_block(binary, BlockEncoding::base64, "block");
  REQUIRE(as_b64.ok());
  CHECK(*decode_block(*as_b64, BlockEncoding::base64, "block") == binary);

  // A json string built in memory can hold any bytes; the wire parser would
  // already reject them, this is the second line of defence.
  auto d = decode_block(json(std::string("\xED\xA0\x80")), BlockEncoding::utf8, "block");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == Errc::invalid_params);
  CHECK(decode_block(json(5), BlockEncoding::utf8, "block").error().code == Errc::invalid_params);
  CHECK(as_chars(*decode_block(json("h\xC3\xA9"), BlockEncoding::utf8, "block")) == "h\xC3\xA9");
}

TEST_CASE("encoded_size_bound is never below the serialized size, and exact for base64") {
  std::mt19937 rng(3);
  for (int round = 0; round < 2000; round++) {
    hc::Bytes block(rng() % 300);
    // Text-like blocks with escapes, and binary ones.
    for (auto& b : block) b = static_cast<std::uint8_t>(round % 2 ? rng() % 128 : rng() % 256);
    for (auto e : {BlockEncoding::utf8, BlockEncoding::base64}) {
      auto j = encode_block(block, e, "block");
      if (!j) continue;  // not UTF-8
      const auto size = j->dump().size();
      CHECK(encoded_size_bound(block, e) >= size);
      if (e == BlockEncoding::base64) CHECK(encoded_size_bound(block, e) == size);
    }
  }
}
