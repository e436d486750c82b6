#include "core_row.hpp"

#include <algorithm>

#include "encoding/compact.hpp"
#include "errors.hpp"
#include "layout.hpp"

namespace hc::storage {
namespace {

using Type = Value::Type;

void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> fixed_blob(const Value& v) {
  if (v.type != Type::blob || v.bytes.size() != N) return Errc::corrupt;
  std::array<std::uint8_t, N> out;
  std::copy(v.bytes.begin(), v.bytes.end(), out.begin());
  return out;
}

Result<std::uint64_t> integer(const Value& v) {
  if (v.type != Type::integer) return Errc::corrupt;
  return static_cast<std::uint64_t>(v.integer);  // stored bit for bit
}

}  // namespace

Bytes encode_roots(std::span<const core::TreeNode> roots) {
  // Sized once and filled in place: this runs on every commit.
  Bytes out(roots.size() * kRootBytes);
  std::uint8_t* p = out.data();
  for (const auto& r : roots) {
    put_u64(p, r.index);
    put_u64(p + 8, r.size);
    std::copy(r.hash.begin(), r.hash.end(), p + 16);
    p += kRootBytes;
  }
  return out;
}

Result<std::vector<core::TreeNode>> decode_roots(ByteView bytes) {
  if (bytes.size() % kRootBytes != 0 || bytes.size() / kRootBytes > kMaxRoots) {
    return Errc::corrupt;
  }
  std::vector<core::TreeNode> roots(bytes.size() / kRootBytes);
  for (std::size_t i = 0; i < roots.size(); i++) {
    const std::uint8_t* p = bytes.data() + i * kRootBytes;
    roots[i].index = get_u64(p);
    roots[i].size = get_u64(p + 8);
    std::copy(p + 16, p + kRootBytes, roots[i].hash.begin());
  }
  return roots;
}

Status check_tree(const core::TreeState& tree) {
  if (tree.length > kMaxBlocks || tree.roots.size() > kMaxRoots ||
      tree.signature.size() > kMaxSignatureBytes) {
    return Errc::limit_exceeded;
  }
  return {};
}

Result<core::CoreRecord> decode_core_row(const CoreRow& row) {
  core::CoreRecord r;
  if (row.id.type != Type::integer || row.id.integer < 1 || row.id.integer > kMaxCoreId) {
    return Errc::corrupt;
  }
  r.id = row.id.integer;
  HC_TRY(r.key, fixed_blob<kKeyBytes>(row.key));
  HC_TRY(r.discovery_key, fixed_blob<kHashBytes>(row.discovery_key));

  if (row.name.type == Type::text) {
    r.name = std::string(as_chars(row.name.bytes));
  } else if (row.name.type != Type::null) {
    return Errc::corrupt;
  }

  if (row.manifest.type == Type::blob) {
    encoding::Reader reader(row.manifest.bytes);
    auto m = core::read_manifest(reader);
    if (!m || !reader.done()) return Errc::corrupt;
    r.manifest = std::move(*m);
  } else if (row.manifest.type != Type::null) {
    return Errc::corrupt;
  }

  if (row.secret_key.type != Type::null) {
    HC_TRY(r.secret_key, fixed_blob<kSecretKeyBytes>(row.secret_key));
  }

  HC_TRY(r.tree.fork, integer(row.fork));
  HC_TRY(r.tree.length, integer(row.length));
  HC_TRY(r.tree.byte_length, integer(row.byte_length));
  if (r.tree.length > kMaxBlocks) return Errc::corrupt;
  if (row.roots.type != Type::blob) return Errc::corrupt;
  HC_TRY(r.tree.roots, decode_roots(row.roots.bytes));
  if (row.signature.type != Type::blob || row.signature.bytes.size() > kMaxSignatureBytes) {
    return Errc::corrupt;
  }
  r.tree.signature = to_bytes(row.signature.bytes);
  return r;
}

}  // namespace hc::storage
