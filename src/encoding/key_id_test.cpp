#include "encoding/key_id.hpp"
#include "encoding/errors.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::encoding;

TEST_CASE("hex round trip and errors") {
  Bytes b{0x00, 0xab, 0xff};
  CHECK(to_hex(b) == "00abff");
  CHECK(*from_hex("00ABff") == b);
  CHECK(from_hex("abc").error() == Errc::invalid_hex);
  CHECK(from_hex("zz").error() == Errc::invalid_hex);
}

TEST_CASE("key ids: 52 z-base32 or 64 hex characters, optionally behind pear://") {
  Hash32 key;
  for (int i = 0; i < 32; i++) key[i] = static_cast<std::uint8_t>(i * 7);
  std::string z = encode_key_id(key);
  CHECK(z.size() == 52);
  CHECK(*decode_key_id(z) == key);
  CHECK(*decode_key_id(to_hex(key)) == key);
  CHECK(*decode_key_id("pear://" + z + "/some/path") == key);
  CHECK(decode_key_id("").error() == Errc::invalid_key_id);
  CHECK(decode_key_id(z.substr(1)).error() == Errc::invalid_key_id);
  std::string bad = z;
  bad[3] = 'l';  // not in the z-base32 alphabet
  CHECK(decode_key_id(bad).error() == Errc::invalid_key_id);
  std::string upper = z;
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  CHECK(!decode_key_id(upper).ok());  // z-base32 is case-sensitive, as in Node
}
