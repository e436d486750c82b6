// The hypercore/alpha channel messages. Input: u8 wire type (any value, so
// unknown types are tried too), then the payload.
// Property: a payload that decodes re-encodes to bytes that decode to the
// same value, and encoding that value again gives the same bytes (canonical).
#include "fuzz_input.hpp"
#include "wire/messages.hpp"

using namespace hc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  const std::uint64_t type = in.u8();
  const ByteView payload = in.rest();

  auto m = wire::decode_message(type, payload);
  if (!m) return 0;
  HC_FUZZ_CHECK(type < wire::kMessageTypeCount, "an unknown type decoded");
  HC_FUZZ_CHECK(static_cast<std::uint64_t>(wire::type_of(*m)) == type, "type_of");

  const Bytes encoded = wire::encode(*m);
  auto again = wire::decode_message(type, encoded);
  if (!again || !(*again == *m)) {
    fuzz::print_hex("payload", payload);
    fuzz::print_hex("re-encoded", encoded);
  }
  HC_FUZZ_CHECK(again.ok(), "re-encoded message does not decode");
  HC_FUZZ_CHECK(*again == *m, "decode(encode(m)) != m");
  HC_FUZZ_CHECK(wire::encode(*again) == encoded, "encoding is not canonical");
  return 0;
}
