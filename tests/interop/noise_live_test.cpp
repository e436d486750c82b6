// A live @hyperswarm/secret-stream NoiseSecretStream in Node (noise_live.js)
// against the C++ SecretStream over TCP on 127.0.0.1, with C++ as Noise
// initiator and as responder. Both sides send messages of 1 B to 1 MiB and
// keep-alives; each checks that what arrives is identical and in order, and
// that both agree on the handshake hash and each other's static keys.
//
// The C++ side listens and runs on a thread with blocking-free POSIX sockets
// and a 30 s deadline; the main thread runs Node. No doctest macros run on
// the socket thread.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "crypto/hash.hpp"
#include "crypto/sign.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"
#include "wire/secret_stream.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
using encoding::to_hex;

Bytes pattern(std::size_t n, std::size_t k) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; i++) b[i] = static_cast<std::uint8_t>(i * 31 + k);
  return b;
}

Hash32 filled(std::uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

// What the C++ peer saw.
struct Outcome {
  std::string failure;  // empty when the exchange ended cleanly
  std::optional<wire::HandshakeEvent> handshake;
  std::vector<Bytes> messages;
  std::uint64_t keep_alives = 0;
};

// Accepts one connection and runs a SecretStream on it: sends `sizes`
// (queued before the handshake, a keep-alive after it), collects messages,
// and closes once the peer has ended and all output is written.
Outcome serve(int listen_fd, bool initiator, const crypto::KeyPair& kp,
              const std::vector<std::size_t>& sizes) {
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto ms_left = [&] {
    return static_cast<int>(std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  };
  pollfd lp{listen_fd, POLLIN, 0};
  if (::poll(&lp, 1, ms_left()) != 1) {
    o.failure = "no connection";
    return o;
  }
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  if (fd < 0) {
    o.failure = "accept failed";
    return o;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  wire::SecretStream s(initiator, kp);
  for (std::size_t k = 0; k < sizes.size(); k++) {
    if (!s.send(pattern(sizes[k], k))) o.failure = "send failed";
  }
  Bytes out;
  std::size_t out_off = 0;
  bool peer_ended = false;
  std::vector<std::uint8_t> buf(1 << 16);
  while (o.failure.empty()) {
    append(out, s.take_output());
    if (peer_ended && out_off == out.size()) break;  // done
    pollfd p{fd, static_cast<short>(POLLIN | (out_off < out.size() ? POLLOUT : 0)), 0};
    const int left = ms_left();
    if (left == 0 || ::poll(&p, 1, left) < 0) {
      o.failure = "timed out";
      break;
    }
    if (p.revents & POLLOUT) {
      const ssize_t n = ::send(fd, out.data() + out_off, out.size() - out_off, MSG_NOSIGNAL);
      if (n > 0) out_off += static_cast<std::size_t>(n);
      if (out_off == out.size()) {
        out.clear();
        out_off = 0;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n == 0) {
        peer_ended = true;
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        o.failure = "recv failed";
      } else if (n > 0) {
        for (auto& e : s.feed(ByteView(buf.data(), static_cast<std::size_t>(n)))) {
          if (auto* h = std::get_if<wire::HandshakeEvent>(&e)) {
            o.handshake = *h;
            s.keep_alive();
          } else if (auto* m = std::get_if<wire::MessageEvent>(&e)) {
            o.messages.push_back(std::move(m->data));
          } else {
            o.failure = std::get<wire::ErrorEvent>(e).reason;
          }
        }
      }
    }
  }
  o.keep_alives = s.keep_alives_received();
  ::close(fd);
  return o;
}

void live_exchange(bool cpp_initiator) {
  const auto cpp_kp = crypto::key_pair_from_seed(filled(0x11));
  const Hash32 node_seed = filled(0x22);
  const auto node_kp = crypto::key_pair_from_seed(node_seed);
  const std::vector<std::size_t> cpp_sizes = {1, 65536, 1 << 20, 7, 300000};
  // Node's plan: keep-alives between messages of 1 B, 64 KiB, 1 MiB.
  const json node_send = json::array({"keepalive", 1, 65536, "keepalive", 1 << 20, 3});
  std::vector<std::pair<std::size_t, std::size_t>> node_messages;  // (size, k)
  for (std::size_t k = 0; k < node_send.size(); k++) {
    if (node_send[k].is_number()) node_messages.emplace_back(node_send[k].get<std::size_t>(), k);
  }

  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(lfd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(lfd, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);

  Outcome outcome;
  json node;
  {
    // Joined (and the listener closed) even when run_node fails the test.
    struct Joiner {
      std::thread t;
      int fd;
      ~Joiner() {
        if (t.joinable()) t.join();
        ::close(fd);
      }
    } worker{std::thread([&] { outcome = serve(lfd, cpp_initiator, cpp_kp, cpp_sizes); }), lfd};
    node = run_node("noise_live.js",
                    {std::to_string(port), cpp_initiator ? "responder" : "initiator"},
                    {{"seed", to_hex(node_seed)},
                     {"send", node_send},
                     {"expect", cpp_sizes.size()}},
                    60);
  }

  CHECK(outcome.failure == "");
  REQUIRE(outcome.handshake);
  CHECK(outcome.handshake->initiator == cpp_initiator);
  CHECK(outcome.handshake->remote_public_key == node_kp.public_key);
  CHECK(node["publicKey"] == to_hex(node_kp.public_key));
  CHECK(node["remotePublicKey"] == to_hex(cpp_kp.public_key));
  CHECK(node["handshakeHash"] == to_hex(outcome.handshake->handshake_hash));

  // Node → C++: identical, in order; Node's keep-alives arrived and were dropped.
  REQUIRE(outcome.messages.size() == node_messages.size());
  for (std::size_t m = 0; m < node_messages.size(); m++) {
    CHECK(outcome.messages[m] == pattern(node_messages[m].first, node_messages[m].second));
  }
  CHECK(outcome.keep_alives == 2);

  // C++ → Node: lengths and BLAKE2b-256 of each message, in order.
  REQUIRE(node["received"].size() == cpp_sizes.size());
  for (std::size_t k = 0; k < cpp_sizes.size(); k++) {
    const Bytes m = pattern(cpp_sizes[k], k);
    CHECK(node["received"][k]["length"] == m.size());
    CHECK(node["received"][k]["hash"] == to_hex(crypto::hash({m})));
  }
}

}  // namespace

TEST_CASE("noise live: C++ initiator against a Node NoiseSecretStream over TCP") {
  live_exchange(true);
}

TEST_CASE("noise live: C++ responder against a Node NoiseSecretStream over TCP") {
  live_exchange(false);
}

}  // namespace hc::interop
