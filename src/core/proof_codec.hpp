// Byte encodings of ProofRequest (`request` message) and Proof (`data`
// message), exact to hypercore@11.37.1 lib/messages.js wire.request / wire.data.
// Decoders check every length and count; trailing bytes are ignored as in Node.
#pragma once

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "proof.hpp"

namespace hc::core {

Bytes encode_request(const ProofRequest& r);
Result<ProofRequest> decode_request(ByteView bytes);

Bytes encode_proof(const Proof& p);
Result<Proof> decode_proof(ByteView bytes);

}  // namespace hc::core
