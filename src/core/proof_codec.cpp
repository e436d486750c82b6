#include "proof_codec.hpp"

#include "encoding/compact.hpp"

namespace hc::core {
namespace {

using encoding::Reader;
using encoding::Writer;

constexpr std::uint64_t kBlock = 1, kHash = 2, kSeek = 4, kUpgrade = 8, kManifest = 16,
                        kPriority = 32;
// uint index (>=1) + uint size (>=1) + 32-byte hash
constexpr std::size_t kMinNodeSize = 34;

void write_nodes(Writer& w, const std::vector<TreeNode>& nodes) {
  w.uint(nodes.size());
  for (const auto& n : nodes) {
    w.uint(n.index);
    w.uint(n.size);
    w.fixed(n.hash);
  }
}

Result<std::vector<TreeNode>> read_nodes(Reader& r) {
  HC_TRY(std::uint64_t count, r.array_length(kMinNodeSize));
  std::vector<TreeNode> nodes(static_cast<std::size_t>(count));
  for (auto& n : nodes) {
    HC_TRY(n.index, r.uint());
    HC_TRY(n.size, r.uint());
    HC_TRY(n.hash, r.fixed_array<32>());
  }
  return nodes;
}

Result<ProofRequest::Indexed> read_indexed(Reader& r) {
  ProofRequest::Indexed i;
  HC_TRY(i.index, r.uint());
  HC_TRY(i.nodes, r.uint());
  return i;
}

}  // namespace

Bytes encode_request(const ProofRequest& m) {
  Bytes out;
  Writer w(out);
  std::uint64_t flags = (m.block ? kBlock : 0) | (m.hash ? kHash : 0) | (m.seek ? kSeek : 0) |
                        (m.upgrade ? kUpgrade : 0) | (m.manifest ? kManifest : 0) |
                        (m.priority ? kPriority : 0);
  w.uint(flags);
  w.uint(m.id);
  w.uint(m.fork);
  if (m.block) w.uint(m.block->index), w.uint(m.block->nodes);
  if (m.hash) w.uint(m.hash->index), w.uint(m.hash->nodes);
  if (m.seek) w.uint(m.seek->bytes), w.uint(m.seek->padding);
  if (m.upgrade) w.uint(m.upgrade->start), w.uint(m.upgrade->length);
  if (m.priority) w.uint(m.priority);
  return out;
}

Result<ProofRequest> decode_request(ByteView bytes) {
  Reader r(bytes);
  ProofRequest m;
  HC_TRY(std::uint64_t flags, r.uint());
  HC_TRY(m.id, r.uint());
  HC_TRY(m.fork, r.uint());
  if (flags & kBlock) {
    HC_TRY(m.block, read_indexed(r));
  }
  if (flags & kHash) {
    HC_TRY(m.hash, read_indexed(r));
  }
  if (flags & kSeek) {
    ProofRequest::Seek s;
    HC_TRY(s.bytes, r.uint());
    HC_TRY(s.padding, r.uint());
    m.seek = s;
  }
  if (flags & kUpgrade) {
    ProofRequest::Upgrade u;
    HC_TRY(u.start, r.uint());
    HC_TRY(u.length, r.uint());
    m.upgrade = u;
  }
  m.manifest = (flags & kManifest) != 0;
  if (flags & kPriority) {
    HC_TRY(m.priority, r.uint());
  }
  return m;
}

Bytes encode_proof(const Proof& p) {
  Bytes out;
  Writer w(out);
  std::uint64_t flags = (p.block ? kBlock : 0) | (p.hash ? kHash : 0) | (p.seek ? kSeek : 0) |
                        (p.upgrade ? kUpgrade : 0) | (p.manifest ? kManifest : 0);
  w.uint(flags);
  w.uint(p.request);
  w.uint(p.fork);
  if (p.block) {
    w.uint(p.block->index);
    w.buffer(p.block->value);
    write_nodes(w, p.block->nodes);
  }
  if (p.hash) {
    w.uint(p.hash->index);
    write_nodes(w, p.hash->nodes);
  }
  if (p.seek) {
    w.uint(p.seek->bytes);
    write_nodes(w, p.seek->nodes);
  }
  if (p.upgrade) {
    w.uint(p.upgrade->start);
    w.uint(p.upgrade->length);
    write_nodes(w, p.upgrade->nodes);
    write_nodes(w, p.upgrade->additional_nodes);
    w.optional_buffer(p.upgrade->signature.empty() ? std::nullopt
                                                   : std::optional<ByteView>(p.upgrade->signature));
  }
  if (p.manifest) write_manifest(w, *p.manifest);
  return out;
}

Result<Proof> decode_proof(ByteView bytes) {
  Reader r(bytes);
  Proof p;
  HC_TRY(std::uint64_t flags, r.uint());
  HC_TRY(p.request, r.uint());
  HC_TRY(p.fork, r.uint());
  if (flags & kBlock) {
    Proof::Block b;
    HC_TRY(b.index, r.uint());
    HC_TRY(ByteView value, r.buffer());
    b.value = to_bytes(value);
    HC_TRY(b.nodes, read_nodes(r));
    p.block = std::move(b);
  }
  if (flags & kHash) {
    Proof::Hash h;
    HC_TRY(h.index, r.uint());
    HC_TRY(h.nodes, read_nodes(r));
    p.hash = std::move(h);
  }
  if (flags & kSeek) {
    Proof::Seek s;
    HC_TRY(s.bytes, r.uint());
    HC_TRY(s.nodes, read_nodes(r));
    p.seek = std::move(s);
  }
  if (flags & kUpgrade) {
    Proof::Upgrade u;
    HC_TRY(u.start, r.uint());
    HC_TRY(u.length, r.uint());
    HC_TRY(u.nodes, read_nodes(r));
    HC_TRY(u.additional_nodes, read_nodes(r));
    HC_TRY(std::optional<ByteView> sig, r.optional_buffer());
    if (sig) u.signature = to_bytes(*sig);
    p.upgrade = std::move(u);
  }
  if (flags & kManifest) {
    HC_TRY(p.manifest, read_manifest(r));
  }
  return p;
}

}  // namespace hc::core
