// The append journal's record decoder (storage/append_record.hpp), which reads
// a file a crash may have left torn. Input: u8 mode, then the bytes.
//   mode even: the bytes as the file holds them (almost never past the
//              checksum: this checks the framing's bounds);
//   mode odd:  the bytes as a record's body, framed here with a right length
//              and checksum, so that the body's decoder sees them.
// Property: a record decoded from well-framed bytes encodes back to exactly
// those bytes (u64 fields leave one form for each value).
#include <algorithm>

#include "crypto/hash.hpp"
#include "fuzz_input.hpp"
#include "storage/append_record.hpp"

using namespace hc;

namespace {

Bytes framed(ByteView body) {
  Bytes out = {0x48, 0x43, 0x41, 0x4a};  // "HCAJ"
  const auto n = static_cast<std::uint32_t>(body.size());
  for (int i = 0; i < 4; i++) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), body.begin(), body.end());
  const Hash32 sum = crypto::hash({ByteView(out)});
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  const bool frame = in.u8() % 2 == 1;
  const ByteView rest = in.rest();
  const Bytes bytes = frame ? framed(rest) : Bytes(rest.begin(), rest.end());
  auto decoded = storage::decode_append_record(bytes);
  if (!decoded) return 0;
  HC_FUZZ_CHECK(decoded->second <= bytes.size(), "record size");
  const core::CoreUpdate u = decoded->first.update();
  if (u.blocks.empty()) return 0;  // no append: the encoder never meets one
  Bytes again;
  storage::encode_append_record(decoded->first.seq, u, again);
  const ByteView original = ByteView(bytes).subspan(0, decoded->second);
  const bool same = again.size() == original.size() &&
                    std::equal(again.begin(), again.end(), original.begin());
  if (!same) {
    fuzz::print_hex("input", original);
    fuzz::print_hex("re-encoded", again);
  }
  HC_FUZZ_CHECK(same, "re-encoding");
  return 0;
}
