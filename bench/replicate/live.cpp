// bench_replicate_live: the hypercored ends of bench/replicate's live latency
// case, talking to a running hypercored over its control socket. One role per
// process, so the writer and the reader may be different daemons (or one of
// them a Node peer, bench/replicate/node_peer.js).
//
//   append  one core.append of one live block every --interval-us (absolute
//           schedule, each append's response awaited before the next) to the
//           core named --name, whose length is read first; prints
//           {appended, late_sends, ack: {p50_us, ...}}.
//   follow  core.follow of --key from block 0; prints {"ready": true} once
//           block 0 arrived, then records when each later block's
//           notification arrived (when recv() returned its bytes) until block
//           --total − 1, and prints {latencies_us: [...]} for blocks 1.. .
//
// A live block is the text "<index> <send time>" padded with '.' to --size
// bytes (bench/replicate/blocks.js); the send time is CLOCK_MONOTONIC in ns,
// taken just before the append request is written, the same clock Node's
// process.hrtime.bigint() reads, so latency = arrival − send time works across
// processes.
//
// Usage: bench_replicate_live append --socket PATH --name NAME --count N
//                                    [--interval-us US] [--size BYTES]
//        bench_replicate_live follow --socket PATH --key HEX --total N [--size BYTES]
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

using nlohmann::json;
namespace proto = hc::proto;

constexpr const char* kUsage =
    "usage: bench_replicate_live append --socket PATH --name NAME --count N [--interval-us US] [--size BYTES]\n"
    "       bench_replicate_live follow --socket PATH --key HEX --total N [--size BYTES]\n";

[[noreturn]] void die(const std::string& what) {
  throw std::runtime_error(what);
}

std::int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A line-oriented blocking client of the control socket.
class Conn {
 public:
  Conn(const std::string& path, int timeout_s) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) die("bad socket path " + path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) die(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
      die("connect " + path + ": " + std::strerror(errno));
    // A lost block or a hung daemon ends the run instead of hanging it.
    timeval tv{timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() { ::close(fd_); }

  void send(const std::string& line) {
    for (std::size_t done = 0; done < line.size();) {
      ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die(std::string("send: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
  }

  // The next line, and the monotonic time at which recv() returned its last bytes.
  std::string read_line(std::int64_t& arrived_ns) {
    for (;;) {
      if (auto nl = buffer_.find('\n', scanned_); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        arrived_ns = arrived_ns_;
        return line;
      }
      scanned_ = buffer_.size();
      char chunk[64 * 1024];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      const auto now = monotonic_ns();
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) die(std::string("recv: ") + std::strerror(errno) + (errno == EAGAIN ? " (timed out)" : ""));
      if (n == 0) die("hypercored closed the connection");
      buffer_.append(chunk, static_cast<std::size_t>(n));
      arrived_ns_ = now;
    }
  }

  // Sends a request and returns its result; notifications are not expected
  // before the response.
  json call(std::int64_t id, std::string_view method, const json& params, std::int64_t* answered_ns = nullptr) {
    send(proto::to_line(proto::make_request(id, method, params)));
    std::int64_t at = 0;
    auto incoming = proto::parse_incoming(read_line(at));
    if (answered_ns) *answered_ns = at;
    if (!incoming) die("bad line from hypercored: " + incoming.error().message);
    auto* r = std::get_if<proto::Response>(&*incoming);
    if (!r || r->id != json(id)) die(std::string(method) + ": no response where one was due");
    if (r->error) die(std::string(method) + " failed: " + r->error->message);
    return std::move(r->result);
  }

 private:
  int fd_ = -1;
  std::string buffer_;
  std::size_t scanned_ = 0;  // bytes of buffer_ known to hold no newline
  std::int64_t arrived_ns_ = 0;
};

struct Options {
  std::string role;
  std::string socket;
  std::string name;
  std::string key;
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  std::uint64_t interval_us = 5000;
  std::size_t size = 100;
};

Options parse(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help") {
    std::cout << kUsage;
    std::exit(argc < 2 ? 2 : 0);
  }
  Options o;
  o.role = argv[1];
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--socket") o.socket = next();
    else if (a == "--name") o.name = next();
    else if (a == "--key") o.key = next();
    else if (a == "--count") o.count = std::stoull(next());
    else if (a == "--total") o.total = std::stoull(next());
    else if (a == "--interval-us") o.interval_us = std::stoull(next());
    else if (a == "--size") o.size = std::stoull(next());
    else die("unknown argument " + a);
  }
  if (o.socket.empty()) die("--socket is required");
  if (o.role == "append" && (o.name.empty() || o.count == 0)) die("append needs --name and --count > 0");
  if (o.role == "follow" && (o.key.empty() || o.total < 2)) die("follow needs --key and --total >= 2");
  if (o.role != "append" && o.role != "follow") die("the role is append or follow");
  return o;
}

std::string live_block(std::uint64_t index, std::int64_t sent_ns, std::size_t size) {
  std::string text = std::to_string(index) + " " + std::to_string(sent_ns);
  if (text.size() > size) die("--size is too small for a live block");
  text.resize(size, '.');
  return text;
}

// The index and send time of a live block; throws unless it is one of `size` bytes.
std::pair<std::uint64_t, std::int64_t> parse_live(std::string_view b, std::size_t size) {
  const auto space = b.find(' ');
  const auto dots = b.find('.');
  if (b.size() != size || space == std::string_view::npos || space == 0)
    die("not a live block: " + std::string(b.substr(0, 40)));
  const auto end = dots == std::string_view::npos ? b.size() : dots;
  if (b.find_first_not_of('.', end) != std::string_view::npos || end <= space + 1)
    die("not a live block: " + std::string(b.substr(0, 40)));
  return {std::stoull(std::string(b.substr(0, space))), std::stoll(std::string(b.substr(space + 1, end - space - 1)))};
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
  return sorted[std::clamp<std::size_t>(rank, 1, n) - 1];
}

int append(const Options& o) {
  Conn conn(o.socket, 10);
  std::int64_t id = 1;
  const std::uint64_t start = conn.call(id++, proto::kCoreInfo, {{"name", o.name}}).at("length").get<std::uint64_t>();
  const auto interval = std::chrono::microseconds(o.interval_us);
  const auto t0 = std::chrono::steady_clock::now() + interval;
  std::uint64_t late = 0;  // sends more than one interval behind their slot
  std::vector<double> ack;
  ack.reserve(o.count);
  for (std::uint64_t k = 0; k < o.count; k++) {
    const auto slot = t0 + k * interval;
    std::this_thread::sleep_until(slot);
    if (std::chrono::steady_clock::now() - slot > interval) late++;
    const std::uint64_t index = start + k;
    const std::int64_t sent = monotonic_ns();
    std::int64_t answered = 0;
    const json result =
        conn.call(id++, proto::kCoreAppend, {{"name", o.name}, {"blocks", json::array({live_block(index, sent, o.size)})}}, &answered);
    if (result.at("length").get<std::uint64_t>() != index + 1) die("core.append answered an unexpected length");
    ack.push_back(static_cast<double>(answered - sent) / 1e3);
  }
  std::sort(ack.begin(), ack.end());
  json out = {{"appended", o.count},
              {"late_sends", late},
              {"ack", {{"p50_us", percentile(ack, 0.5)}, {"p99_us", percentile(ack, 0.99)}}}};
  std::cout << out.dump() << '\n' << std::flush;
  return 0;
}

int follow(const Options& o) {
  Conn conn(o.socket, 30);
  const json followed = conn.call(1, proto::kCoreFollow, {{"key", o.key}, {"start", 0}, {"encoding", "utf8"}});
  const auto subscription = followed.at("subscription").get<std::uint64_t>();
  std::vector<double> latencies;
  latencies.reserve(o.total);
  for (std::uint64_t next = 0; next < o.total;) {
    std::int64_t at = 0;
    auto incoming = proto::parse_incoming(conn.read_line(at));
    if (!incoming) die("bad line from hypercored: " + incoming.error().message);
    auto* n = std::get_if<proto::Request>(&*incoming);
    if (!n || n->method != proto::kCoreBlock) continue;
    auto b = proto::from_json<proto::BlockNotification>(n->params);
    if (!b) die("bad core.block: " + b.error().message);
    if (b->subscription != subscription) continue;
    if (b->index != next) die("core.block " + std::to_string(b->index) + ", expected " + std::to_string(next));
    const auto [index, sent] =
        parse_live(std::string_view(reinterpret_cast<const char*>(b->block.data()), b->block.size()), o.size);
    if (index != next) die("block " + std::to_string(next) + " says it is " + std::to_string(index));
    if (next == 0) std::cout << json{{"ready", true}}.dump() << '\n' << std::flush;
    else latencies.push_back(static_cast<double>(at - sent) / 1e3);
    next++;
  }
  std::cout << json{{"latencies_us", latencies}}.dump() << '\n' << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    return o.role == "append" ? append(o) : follow(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_replicate_live: %s\n", e.what());
    return 1;
  }
}
