#include "progress.hpp"

#include <unistd.h>

#include <iostream>
#include <string>
#include <utility>

namespace hc::ctl {

void draw_progress(std::uint64_t done, std::uint64_t total, std::uint64_t peers) {
  constexpr int kWidth = 30;
  const double part = total == 0 ? 0.0 : static_cast<double>(std::min(done, total)) /
                                             static_cast<double>(total);
  const int filled = static_cast<int>(part * kWidth);
  std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] "
            << done << "/" << total << " blocks, " << peers << " peer(s)   " << std::flush;
}

void clear_progress() { std::cerr << "\r\033[K" << std::flush; }

std::optional<FollowProgress> FollowProgress::start(const GlobalOptions& opts,
                                                    const proto::CoreRef& core,
                                                    std::uint64_t printed) {
  if (opts.json || !isatty(STDERR_FILENO)) return std::nullopt;
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return std::nullopt;
  FollowProgress progress(std::move(*client), core);
  if (!progress.poll() || progress.done_) return std::nullopt;
  progress.refresh(printed);
  return progress;
}

bool FollowProgress::poll() {
  polled_ = std::chrono::steady_clock::now();
  auto result = client_.call(proto::kCoreInfo, proto::to_json(proto::InfoParams{core_}));
  if (!result) return false;
  auto info = proto::from_json<proto::CoreInfo>(*result);
  if (!info) return false;
  // A core written here is printed, not downloaded: nothing to wait for.
  if (info->writable) done_ = true;
  length_ = info->length;
  peers_ = info->peers.value_or(0);
  return true;
}

void FollowProgress::hide() {
  // Blocks going elsewhere (a file, a pipe) leave the line where it is.
  if (!shown_ || !isatty(STDOUT_FILENO)) return;
  clear_progress();
  shown_ = false;
}

bool FollowProgress::refresh(std::uint64_t printed) {
  if (done_) return false;
  const bool due = std::chrono::steady_clock::now() - polled_ >= kRefresh;
  // Without an answer the line stays as it was; the follow goes on.
  if (due && !poll()) return true;
  // Between polls nothing changed but the count, which a line that is still
  // shown need not show at once.
  if (!due && shown_) return true;
  if (length_ > 0 && printed >= length_) {
    if (shown_) clear_progress();
    shown_ = false;
    std::cerr << "caught up: " << printed << " blocks, " << peers_ << " peer(s); following\n"
              << std::flush;
    done_ = true;
    return false;
  }
  draw_progress(printed, length_, peers_);
  shown_ = true;
  return true;
}

}  // namespace hc::ctl
