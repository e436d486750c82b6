// FrameReader fed one byte stream in pieces whose sizes come from the input.
// Input: u8 k, k piece sizes (u8 each; 0 feeds nothing), then the stream.
// Property: the payloads equal a one-shot parse of the whole stream, what is
// left buffered is the unfinished tail, and append_frame re-frames them into
// the stream's prefix.
#include <algorithm>
#include <vector>

#include "fuzz_input.hpp"
#include "wire/frame.hpp"

using namespace hc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  const std::size_t k = in.u8() % 16;
  std::uint8_t pieces[16];
  for (std::size_t i = 0; i < k; i++) pieces[i] = in.u8();
  const ByteView stream = in.rest();

  wire::FrameReader reader;
  std::vector<Bytes> got;
  std::size_t at = 0;
  for (std::size_t i = 0; at < stream.size(); i++) {
    std::size_t n = k == 0 ? stream.size() : pieces[i % k];
    if (k > 0 && i >= 4096) n = stream.size();  // all-zero sizes: finish
    n = std::min(n, stream.size() - at);
    reader.feed(stream.subspan(at, n));
    at += n;
    while (auto payload = reader.next()) got.push_back(std::move(*payload));
  }
  while (auto payload = reader.next()) got.push_back(std::move(*payload));

  // The reference: whole frames, front to back.
  std::vector<ByteView> want;
  std::size_t off = 0;
  while (stream.size() - off >= wire::kFrameHeaderBytes) {
    const std::size_t len = stream[off] | (stream[off + 1] << 8) | (stream[off + 2] << 16);
    if (stream.size() - off - wire::kFrameHeaderBytes < len) break;
    want.push_back(stream.subspan(off + wire::kFrameHeaderBytes, len));
    off += wire::kFrameHeaderBytes + len;
  }
  HC_FUZZ_CHECK(got.size() == want.size(), "frame count");
  for (std::size_t i = 0; i < got.size(); i++) HC_FUZZ_CHECK(equal(got[i], want[i]), "payload");
  HC_FUZZ_CHECK(reader.buffered() == stream.size() - off, "buffered tail");

  Bytes reframed;
  for (const auto& p : got) wire::append_frame(reframed, p);
  HC_FUZZ_CHECK(equal(reframed, stream.subspan(0, off)), "append_frame");
  return 0;
}
