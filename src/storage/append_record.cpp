#include "append_record.hpp"

#include <algorithm>
#include <cstring>

#include "core/bitfield.hpp"
#include "crypto/hash.hpp"
#include "encoding/compact.hpp"

namespace hc::storage {
namespace {

constexpr std::uint32_t kMagic = 0x4a414348;  // "HCAJ" as u32le
constexpr std::size_t kHeaderBytes = 8;       // magic, body length
constexpr std::size_t kChecksumBytes = 32;
constexpr std::size_t kNodeBytes = 8 + 8 + 32;  // index, size, hash

void write_node(encoding::Writer& w, const core::TreeNode& n) {
  w.u64(n.index);
  w.u64(n.size);
  w.fixed(n.hash);
}

Result<core::TreeNode> read_node(encoding::Reader& r) {
  core::TreeNode n;
  HC_TRY(n.index, r.u64());
  HC_TRY(n.size, r.u64());
  HC_TRY(n.hash, r.fixed_array<32>());
  return n;
}

// An array's element count, each element at least min_bytes long.
Result<std::uint64_t> read_count(encoding::Reader& r, std::size_t min_bytes) {
  HC_TRY(std::uint64_t n, r.u64());
  if (n > r.remaining() / min_bytes) return encoding::Errc::out_of_bounds;
  return n;
}

Result<AppendRecord> read_body(ByteView body) {
  encoding::Reader r(body);
  AppendRecord rec;
  HC_TRY(rec.seq, r.u64());
  HC_TRY(std::uint64_t core, r.u64());
  rec.core = static_cast<core::CoreId>(core);
  HC_TRY(rec.first_block, r.u64());
  HC_TRY(std::uint64_t blocks, read_count(r, 8));
  rec.blocks.reserve(blocks);
  for (std::uint64_t i = 0; i < blocks; i++) {
    HC_TRY(std::uint64_t size, r.u64());
    HC_TRY(ByteView b, r.fixed(static_cast<std::size_t>(size)));  // checks it against the rest
    rec.blocks.emplace_back(b.begin(), b.end());
  }
  HC_TRY(rec.tree.fork, r.u64());
  HC_TRY(rec.tree.length, r.u64());
  HC_TRY(rec.tree.byte_length, r.u64());
  HC_TRY(std::uint64_t roots, read_count(r, kNodeBytes));
  for (std::uint64_t i = 0; i < roots; i++) {
    HC_TRY(core::TreeNode n, read_node(r));
    rec.tree.roots.push_back(n);
  }
  HC_TRY(std::uint64_t signature, r.u64());
  HC_TRY(ByteView sig, r.fixed(static_cast<std::size_t>(signature)));
  rec.tree.signature.assign(sig.begin(), sig.end());
  HC_TRY(std::uint64_t nodes, read_count(r, kNodeBytes));
  for (std::uint64_t i = 0; i < nodes; i++) {
    HC_TRY(core::TreeNode n, read_node(r));
    rec.nodes.push_back(n);
  }
  HC_TRY(std::uint64_t pages, read_count(r, 8 + core::Bitfield::kPageBytes));
  for (std::uint64_t i = 0; i < pages; i++) {
    core::BitfieldPage p;
    HC_TRY(p.index, r.u64());
    HC_TRY(ByteView bits, r.fixed(core::Bitfield::kPageBytes));
    p.bits.assign(bits.begin(), bits.end());
    rec.bitfield.push_back(std::move(p));
  }
  HC_CHECK(r.expect_end());
  return rec;
}

}  // namespace

core::CoreUpdate AppendRecord::update() const {
  core::CoreUpdate u;
  u.core = core;
  u.nodes = nodes;
  for (std::size_t i = 0; i < blocks.size(); i++) u.blocks.emplace_back(first_block + i, blocks[i]);
  u.bitfield = bitfield;
  u.tree = tree;
  return u;
}

bool is_journaled_append(const core::CoreUpdate& u) {
  if (!u.tree || u.truncate || u.manifest || u.blocks.empty()) return false;
  const std::uint64_t first = u.blocks.front().first;
  for (std::size_t i = 0; i < u.blocks.size(); i++) {
    if (u.blocks[i].first != first + i) return false;
  }
  return u.tree->length == first + u.blocks.size();
}

void encode_append_record(std::uint64_t seq, const core::CoreUpdate& u, Bytes& out) {
  const std::size_t start = out.size();
  encoding::Writer w(out);
  w.u32(kMagic);
  w.u32(0);  // the body length, set below
  w.u64(seq);
  w.u64(static_cast<std::uint64_t>(u.core));
  w.u64(u.blocks.front().first);
  w.u64(u.blocks.size());
  for (const auto& [index, block] : u.blocks) {
    w.u64(block.size());
    w.fixed(block);
  }
  const core::TreeState& t = *u.tree;
  w.u64(t.fork);
  w.u64(t.length);
  w.u64(t.byte_length);
  w.u64(t.roots.size());
  for (const auto& n : t.roots) write_node(w, n);
  w.u64(t.signature.size());
  w.fixed(t.signature);
  w.u64(u.nodes.size());
  for (const auto& n : u.nodes) write_node(w, n);
  w.u64(u.bitfield.size());
  for (const auto& p : u.bitfield) {
    w.u64(p.index);
    w.fixed(p.bits);
  }
  const auto body = static_cast<std::uint32_t>(out.size() - start - kHeaderBytes);
  for (int i = 0; i < 4; i++) out[start + 4 + i] = static_cast<std::uint8_t>(body >> (8 * i));
  const Hash32 sum = crypto::hash({ByteView(out).subspan(start)});
  w.fixed(sum);
}

std::optional<std::pair<AppendRecord, std::size_t>> decode_append_record(ByteView in) {
  encoding::Reader header(in);
  const auto magic = header.u32();
  const auto body = header.u32();
  if (!magic || *magic != kMagic || !body || *body > kMaxAppendRecordBody ||
      header.remaining() < std::size_t{*body} + kChecksumBytes) {
    return std::nullopt;
  }
  const std::size_t covered = kHeaderBytes + *body;
  const Hash32 sum = crypto::hash({in.subspan(0, covered)});
  if (!std::equal(sum.begin(), sum.end(), in.begin() + static_cast<std::ptrdiff_t>(covered))) {
    return std::nullopt;
  }
  auto rec = read_body(in.subspan(kHeaderBytes, *body));
  if (!rec) return std::nullopt;
  return std::pair{std::move(*rec), covered + kChecksumBytes};
}

}  // namespace hc::storage
