#include "core_channel.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/errors.hpp"

namespace hc::wire {
namespace {

// Bits per bitfield message when answering a want: 4 KiB of words, so an
// answer for a big range goes in pieces.
constexpr std::uint64_t kBitfieldChunkBits = 32 * 1024;
// Node ignores wants longer than its want batch (lib/wants.js, 2^21 blocks),
// which also bounds the work one want can cost us.
constexpr std::uint64_t kMaxWantLength = std::uint64_t{1} << 21;

}  // namespace

void CoreChannel::on_open() {
  opened_ = true;
  out_.cork();
  // Before the remote's sync we know nothing of it: Node starts with
  // canUpgrade true (an upgrade from 0 is always provable).
  can_upgrade_ = core_.can_upgrade_from(remote_length_);
  send_sync();
  send_contiguous_range();
  out_.uncork();
}

void CoreChannel::on_local_append() {
  if (!opened_) return;
  out_.cork();
  can_upgrade_ = core_.can_upgrade_from(remote_length_);
  send_sync();
  send_contiguous_range();
  out_.uncork();
}

Status CoreChannel::on_message(const Message& message) {
  return std::visit(
      [this](const auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Sync>) {
          on_sync(m);
        } else if constexpr (std::is_same_v<T, Request>) {
          return on_request(m);
        } else if constexpr (std::is_same_v<T, Want>) {
          on_want(m);
        } else if constexpr (std::is_same_v<T, Range>) {
          on_range(m);
        } else if constexpr (std::is_same_v<T, Bitfield>) {
          // A bitfield is the truth for its range: what we believed
          // contiguous may have a hole there.
          if (m.start < remote_contiguous_) remote_contiguous_ = m.start;
        }
        // cancel: requests are answered as they arrive, so none is pending.
        // data, noData: nothing was requested (uploader only); Node ignores
        // unsolicited data too. unwant, extension: nothing to do.
        return {};
      },
      message);
}

void CoreChannel::send_sync() {
  const bool same_fork = core_.fork() == remote_fork_;
  Sync s;
  s.fork = core_.fork();
  s.length = core_.length();
  s.remote_length = same_fork ? remote_length_ : 0;
  s.can_upgrade = same_fork && can_upgrade_;
  s.uploading = true;
  s.downloading = false;
  // Without it a Node reader never asks for the manifest and cannot verify.
  s.has_manifest = core_.manifest().has_value() && !core_.compat();
  out_.send(s);
}

void CoreChannel::send_contiguous_range() {
  const std::uint64_t contig = std::min(core_.contiguous_length(), core_.length());
  if (contig == 0 || contig <= range_signaled_) return;
  range_signaled_ = contig;
  // The remote has them already: nothing to tell.
  if (remote_contiguous_ >= contig) return;
  Range r;
  r.start = 0;
  r.length = contig;
  out_.send(r);
}

void CoreChannel::on_sync(const Sync& sync) {
  const bool length_changed = !remote_synced_ || sync.length != remote_length_;
  remote_synced_ = true;
  remote_fork_ = sync.fork;
  remote_length_ = sync.length;
  remote_downloading_ = sync.downloading;
  if (length_changed) can_upgrade_ = core_.can_upgrade_from(remote_length_);
  // The remote is behind: tell it (again) what we have, with canUpgrade for
  // its length, so that a Node reader asks for the upgrade.
  if (core_.fork() == remote_fork_ && core_.length() > remote_length_) send_sync();
}

Status CoreChannel::on_request(const Request& request) {
  auto proof = core_.proof(request);
  if (proof) {
    Data data = std::move(*proof);
    data.request = request.id;
    data.fork = request.fork;
    out_.send(data);
    return {};
  }
  if (proof.error() == core::Errc::block_not_available) {
    // Nothing provable; a manifest asked for still gets an answer (Node's
    // _fulfillRequest does the same).
    if (request.manifest && core_.manifest()) {
      Data data;
      data.request = request.id;
      data.fork = core_.fork();
      data.manifest = core_.manifest();
      out_.send(data);
      return {};
    }
    out_.send(NoData{request.id, NoData::kNotAvailable});
    return {};
  }
  if (proof.error().category() != core::category()) return proof.error();  // storage
  // A request that refers to nodes that do not fit: the remote's mistake.
  out_.send(NoData{request.id, NoData::kInvalidRequest});
  if (++invalid_requests_ >= kMaxInvalidRequests) return core::Errc::invalid_operation;
  return {};
}

void CoreChannel::on_want(const Want& want) {
  if (want.length > kMaxWantLength) return;
  const std::uint64_t length = core_.length();
  const std::uint64_t contig = std::min(core_.contiguous_length(), length);
  const std::uint64_t end = want.start + std::min(want.length, length - std::min(length, want.start));
  if (want.start + want.length < contig || length == contig || (want.any && want.start < contig)) {
    if (contig == 0) return;
    Range r;
    r.start = 0;
    r.length = contig;
    out_.send(r);
    return;
  }
  if (want.start >= length) return;
  if (want.any) {
    for (std::uint64_t i = want.start; i < end; i++) {
      if (!core_.has(i)) continue;
      Range r;
      r.start = i;
      r.length = 1;
      out_.send(r);
      return;
    }
    return;
  }
  // The words covering [start, end), in pieces.
  for (std::uint64_t from = want.start & ~std::uint64_t{31}; from < end; from += kBitfieldChunkBits) {
    const std::uint64_t to = std::min(end, from + kBitfieldChunkBits);
    Bitfield b;
    b.start = from;
    b.bitfield.assign((to - from + 31) / 32, 0);
    for (std::uint64_t i = from; i < to; i++) {
      if (core_.has(i)) b.bitfield[(i - from) / 32] |= std::uint32_t{1} << ((i - from) % 32);
    }
    out_.send(b);
  }
}

void CoreChannel::on_range(const Range& range) {
  if (range.drop) {
    if (range.start < remote_contiguous_) remote_contiguous_ = range.start;
    return;
  }
  // Contiguous from 0, or extending what was contiguous.
  if (range.start <= remote_contiguous_ && range.start + range.length > remote_contiguous_) {
    remote_contiguous_ = range.start + range.length;
  }
}

}  // namespace hc::wire
