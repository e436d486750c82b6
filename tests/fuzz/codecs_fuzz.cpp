// The decoders under the channel messages: the channel-open handshake
// (wire::decode_handshake), the manifest (core::decode_manifest and
// read_manifest from a stream), and the proof request / proof codecs of
// core/proof_codec. Input: u8 selector, then the bytes.
// Property, for each: decode → encode → decode gives the same value, and
// re-encoding it gives the same bytes.
#include "core/manifest.hpp"
#include "core/proof_codec.hpp"
#include "fuzz_input.hpp"
#include "wire/messages.hpp"

using namespace hc;

namespace {

template <class T, class Encode, class Decode>
void round_trip(ByteView bytes, Encode encode, Decode decode, const char* what) {
  auto v = decode(bytes);
  if (!v) return;
  const Bytes encoded = encode(*v);
  auto again = decode(ByteView(encoded));
  if (!again || !(*again == *v)) {
    fuzz::print_hex("input", bytes);
    fuzz::print_hex("re-encoded", encoded);
  }
  HC_FUZZ_CHECK(again.ok(), what);
  HC_FUZZ_CHECK(*again == *v, what);
  HC_FUZZ_CHECK(encode(*again) == encoded, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  const std::uint8_t selector = in.u8() % 5;
  const ByteView bytes = in.rest();
  switch (selector) {
    case 0:
      round_trip<wire::Handshake>(
          bytes, [](const wire::Handshake& h) { return wire::encode_handshake(h); },
          [](ByteView b) { return wire::decode_handshake(b); }, "handshake");
      break;
    case 1:
      round_trip<core::Manifest>(
          bytes, [](const core::Manifest& m) { return core::encode_manifest(m); },
          [](ByteView b) { return core::decode_manifest(b); }, "manifest");
      break;
    case 2:
      round_trip<core::ProofRequest>(
          bytes, [](const core::ProofRequest& r) { return core::encode_request(r); },
          [](ByteView b) { return core::decode_request(b); }, "proof request");
      break;
    case 3:
      round_trip<core::Proof>(
          bytes, [](const core::Proof& p) { return core::encode_proof(p); },
          [](ByteView b) { return core::decode_proof(b); }, "proof");
      break;
    case 4: {
      // Manifests back to back in one buffer, as a stream reader meets them.
      encoding::Reader r(bytes);
      for (int i = 0; i < 64 && !r.done(); i++) {
        const std::size_t before = r.position();
        auto m = core::read_manifest(r);
        if (!m) break;
        HC_FUZZ_CHECK(r.position() > before, "read_manifest consumed nothing");
        HC_FUZZ_CHECK(core::decode_manifest(core::encode_manifest(*m)).ok(), "manifest re-decode");
      }
      break;
    }
  }
  return 0;
}
