// bench_rpc_latency: append → follower latency through a running hypercored,
// the C++ half of bench/rpc's latency case (rpc.js is the Node half;
// bench/rpc/run starts the daemon, runs both and prints the comparison).
//
// One process, two connections to the control socket: the follower connection
// sends core.follow for the core and then only reads core.block
// notifications (a thread of its own); the writer connection sends one
// core.append of one block every --interval-us (absolute schedule, each
// append's response awaited before the next). Each send, each response and
// each notification's arrival (when recv() returned the bytes, before parsing)
// is timestamped with the monotonic clock of this process, so
// follow latency = notification arrival − append send, and
// ack latency = append response arrival − append send.
// The first --warmup blocks are sent the same way but not counted.
// Prints one JSON object on stdout.
//
// Usage: bench_rpc_latency --socket PATH [--name NAME] [--count N]
//                          [--interval-us US] [--warmup N]
// Blocks are the decimal numbers "1", "2", … (like the throughput case's lines).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace proto = hc::proto;

constexpr const char* kUsage =
    "usage: bench_rpc_latency --socket PATH [--name NAME] [--count N] [--interval-us US] "
    "[--warmup N]\n";

[[noreturn]] void die(const std::string& what) {
  throw std::runtime_error(what);
}

// A line-oriented client connection (blocking POSIX socket).
class Conn {
 public:
  explicit Conn(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) die("bad socket path " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) die(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
      die("connect " + path + ": " + std::strerror(errno));
    // A lost notification or a hung daemon ends the run instead of hanging it.
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send(const std::string& line) {
    std::size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        die(std::string("send: ") + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
  }

  // The next line, and when recv() returned its last bytes.
  std::string read_line(Clock::time_point& arrived) {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        arrived = arrived_;
        return line;
      }
      char chunk[64 * 1024];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      const auto now = Clock::now();
      if (n < 0) {
        if (errno == EINTR) continue;
        die(std::string("recv: ") + std::strerror(errno) +
            (errno == EAGAIN ? " (nothing for 10 s)" : ""));
      }
      if (n == 0) die("hypercored closed the connection");
      buffer_.append(chunk, static_cast<std::size_t>(n));
      arrived_ = now;
    }
  }

  // Sends a request and waits for its response (notifications in between are
  // not expected on this connection and are an error). Returns the result.
  json call(std::int64_t id, std::string_view method, json params, Clock::time_point* sent = nullptr,
            Clock::time_point* answered = nullptr) {
    const std::string line = proto::to_line(proto::make_request(id, method, std::move(params)));
    if (sent) *sent = Clock::now();
    send(line);
    Clock::time_point at;
    auto incoming = proto::parse_incoming(read_line(at));
    if (answered) *answered = at;
    if (!incoming) die("bad line from hypercored: " + incoming.error().message);
    auto* r = std::get_if<proto::Response>(&*incoming);
    if (!r) die(std::string(method) + ": got a notification instead of the response");
    if (r->id != json(id)) die(std::string(method) + ": response to another id " + r->id.dump());
    if (r->error) die(std::string(method) + " failed: " + r->error->message);
    return std::move(r->result);
  }

 private:
  int fd_ = -1;
  std::string buffer_;
  Clock::time_point arrived_{};
};

struct Options {
  std::string socket;
  std::string name = "latency";
  std::uint64_t count = 2000;
  std::uint64_t interval_us = 5000;
  std::uint64_t warmup = 50;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--socket") o.socket = next();
    else if (a == "--name") o.name = next();
    else if (a == "--count") o.count = std::stoull(next());
    else if (a == "--interval-us") o.interval_us = std::stoull(next());
    else if (a == "--warmup") o.warmup = std::stoull(next());
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else die("unknown argument " + a);
  }
  if (o.socket.empty() || o.count == 0) die("--socket is required and --count must be > 0");
  return o;
}

double us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
  return sorted[std::clamp<std::size_t>(rank, 1, n) - 1];
}

json stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {{"p50_us", percentile(v, 0.50)},
          {"p90_us", percentile(v, 0.90)},
          {"p99_us", percentile(v, 0.99)},
          {"max_us", v.back()},
          {"mean_us", sum / static_cast<double>(v.size())}};
}

int run(const Options& o) {
  const std::uint64_t total = o.warmup + o.count;
  std::vector<Clock::time_point> sent(total), acked(total), received(total);

  Conn writer(o.socket);
  Conn follower(o.socket);
  std::int64_t next_id = 1;
  writer.call(next_id++, proto::kCoreCreate, proto::to_json(proto::CreateParams{o.name}));
  auto followed = proto::from_json<proto::FollowResult>(follower.call(
      1, proto::kCoreFollow,
      proto::to_json(proto::FollowParams{proto::CoreRef::by_name(o.name), 0, proto::BlockEncoding::utf8})));
  if (!followed) die("core.follow: " + followed.error().message);
  const std::uint64_t subscription = followed->subscription;

  std::string follower_error;
  std::thread reader([&] {
    try {
      for (std::uint64_t got = 0; got < total;) {
        Clock::time_point at;
        std::string line = follower.read_line(at);
        auto incoming = proto::parse_incoming(line);
        if (!incoming) die("bad line on the follower: " + incoming.error().message);
        auto* n = std::get_if<proto::Request>(&*incoming);
        if (!n || n->method != proto::kCoreBlock) continue;
        auto block = proto::from_json<proto::BlockNotification>(n->params);
        if (!block) die("bad core.block: " + block.error().message);
        if (block->subscription != subscription) continue;
        if (block->index != got) die("core.block " + std::to_string(block->index) + ", expected " +
                                     std::to_string(got));
        const std::string expect = std::to_string(got + 1);
        if (std::string_view(reinterpret_cast<const char*>(block->block.data()), block->block.size()) != expect)
          die("core.block " + std::to_string(got) + " has the wrong content");
        received[got++] = at;
      }
    } catch (const std::exception& e) {
      follower_error = e.what();
    }
  });

  // The writer: one append per slot of the absolute schedule.
  std::uint64_t late = 0;  // sends more than one interval behind their slot
  const auto interval = std::chrono::microseconds(o.interval_us);
  const auto t0 = Clock::now() + interval;
  std::string writer_error;
  try {
    for (std::uint64_t i = 0; i < total; i++) {
      const auto slot = t0 + i * interval;
      std::this_thread::sleep_until(slot);
      proto::AppendParams p{proto::CoreRef::by_name(o.name), {}, proto::BlockEncoding::utf8};
      const std::string text = std::to_string(i + 1);
      p.blocks.emplace_back(text.begin(), text.end());
      auto params = proto::to_json(p);
      if (!params) die(params.error().message);
      auto result = writer.call(next_id++, proto::kCoreAppend, std::move(*params), &sent[i], &acked[i]);
      auto r = proto::from_json<proto::AppendResult>(result);
      if (!r || r->length != i + 1) die("core.append answered an unexpected length");
      if (sent[i] - slot > interval) late++;
    }
  } catch (const std::exception& e) {
    writer_error = e.what();
  }
  reader.join();
  if (!writer_error.empty()) die("writer: " + writer_error);
  if (!follower_error.empty()) die("follower: " + follower_error);

  std::vector<double> follow, ack;
  follow.reserve(o.count);
  ack.reserve(o.count);
  for (std::uint64_t i = o.warmup; i < total; i++) {
    follow.push_back(us(received[i] - sent[i]));
    ack.push_back(us(acked[i] - sent[i]));
  }
  const double seconds = std::chrono::duration<double>(sent[total - 1] - sent[o.warmup]).count();
  json out = {{"side", "hypercored"},
              {"kind", "latency"},
              {"count", o.count},
              {"warmup", o.warmup},
              {"interval_us", o.interval_us},
              {"seconds", seconds},
              {"late_sends", late},
              {"follow", stats(std::move(follow))},
              {"ack", stats(std::move(ack))}};
  std::cout << out.dump() << '\n' << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rpc_latency: %s\n", e.what());
    return 1;
  }
}
