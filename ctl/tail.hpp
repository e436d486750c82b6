// corectl tail: the last n blocks of a core, in index order. One core.tail
// answer holds at most one line (16 MiB), so for big blocks the daemon sends
// only the newest that fit: its "start" is then later than length - n, and
// the earlier blocks come one at a time with core.get (core.tail cannot
// start elsewhere). Memory: that answer plus one block.
#pragma once

#include <cstdint>

#include "client.hpp"
#include "commands.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {

// Prints the last `n` blocks (output.hpp print_block) and sets `length` to
// the core's length they end at. Returns the exit code; a failure is
// reported on stderr after the blocks printed before it.
int print_last_blocks(Client& client, const GlobalOptions& opts, const proto::CoreRef& core,
                      std::uint64_t n, bool base64, std::uint64_t& length);

}  // namespace hc::ctl
