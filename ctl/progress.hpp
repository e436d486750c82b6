// Progress lines on a terminal: `corectl seed` while the daemon downloads a
// core, `corectl follow` while it catches up with a remote one. Drawn on
// stderr, redrawn in place; stdout keeps only the data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "client.hpp"
#include "commands.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {

// "\r[#####     ] done/total blocks, N peer(s)" on stderr (no newline).
void draw_progress(std::uint64_t done, std::uint64_t total, std::uint64_t peers);
// Wipes a drawn progress line so that other output starts at column 0.
void clear_progress();

// For follow: shows how many blocks were printed of those the core has,
// until the first time all of them were, then says "caught up" once and
// stays quiet (live appends come one by one). Polls core.info on a
// connection of its own, at most every kRefresh. Only for a core this
// daemon cannot write (one it downloads), on a terminal, without --json.
class FollowProgress {
 public:
  static constexpr std::chrono::milliseconds kRefresh{250};

  // nullopt when there is nothing to show (see above), or info fails.
  static std::optional<FollowProgress> start(const GlobalOptions& opts, const proto::CoreRef& core,
                                             std::uint64_t printed);
  // Before a block goes to stdout.
  void hide();
  // After blocks were printed, or while none come: redraws, polling the
  // daemon when kRefresh has passed. Returns false once caught up.
  bool refresh(std::uint64_t printed);

 private:
  FollowProgress(Client client, proto::CoreRef core) : client_(std::move(client)), core_(std::move(core)) {}
  bool poll();

  Client client_;
  proto::CoreRef core_;
  std::uint64_t length_ = 0;
  std::uint64_t peers_ = 0;
  std::chrono::steady_clock::time_point polled_;
  bool shown_ = false;
  bool done_ = false;
};

}  // namespace hc::ctl
