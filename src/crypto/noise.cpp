#include "noise.hpp"

#include <sodium.h>

#include <cassert>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "crypto/errors.hpp"
#include "crypto/hash.hpp"
#include "sodium_init.hpp"

namespace hc::crypto {
namespace {

constexpr std::string_view kProtocolName = "Noise_XX_Ed25519_ChaChaPoly_BLAKE2b";
constexpr std::size_t kKeyLen = 32;
constexpr std::size_t kMacLen = crypto_aead_chacha20poly1305_ietf_ABYTES;  // 16
constexpr std::size_t kHmacBlock = 128;

static_assert(kProtocolName.size() <= kNoiseHashLen);

// BLAKE2b-512 of the concatenation of parts.
Hash64 hash64(std::initializer_list<ByteView> parts) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kNoiseHashLen);
  for (auto p : parts) crypto_generichash_update(&st, p.data(), p.size());
  Hash64 out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

// HMAC-BLAKE2b-512 (noise-handshake hmac.js): block length 128, longer keys
// hashed first.
Hash64 hmac(ByteView key, std::initializer_list<ByteView> parts) {
  std::array<std::uint8_t, kHmacBlock> k{};
  if (key.size() > kHmacBlock) {
    const Hash64 hk = hash64({key});
    std::copy(hk.begin(), hk.end(), k.begin());
  } else {
    std::copy(key.begin(), key.end(), k.begin());
  }
  std::array<std::uint8_t, kHmacBlock> ipad, opad;
  for (std::size_t i = 0; i < kHmacBlock; i++) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, kNoiseHashLen);
  crypto_generichash_update(&st, ipad.data(), ipad.size());
  for (auto p : parts) crypto_generichash_update(&st, p.data(), p.size());
  Hash64 inner;
  crypto_generichash_final(&st, inner.data(), inner.size());
  Hash64 out = hash64({opad, inner});
  sodium_memzero(k.data(), k.size());
  sodium_memzero(ipad.data(), ipad.size());
  sodium_memzero(opad.data(), opad.size());
  sodium_memzero(inner.data(), inner.size());
  return out;
}

// HKDF(salt = ck, ikm) with empty info and two outputs (noise-handshake hkdf.js).
std::pair<Hash64, Hash64> hkdf(const Hash64& ck, ByteView ikm) {
  Hash64 prk = hmac(ck, {ikm});
  const std::uint8_t one = 1, two = 2;
  Hash64 o1 = hmac(prk, {ByteView(&one, 1)});
  Hash64 o2 = hmac(prk, {o1, ByteView(&two, 1)});
  sodium_memzero(prk.data(), prk.size());
  return {o1, o2};
}

// noise-curve-ed dh(): the clamped SHA-512 of the seed times the remote point.
bool dh(Hash32& out, const Hash32& remote_public, const KeyPair& local) {
  std::array<std::uint8_t, 64> sk;
  crypto_hash_sha512(sk.data(), local.secret_key.data(), 32);
  sk[0] &= 248;
  sk[31] &= 127;
  sk[31] |= 64;
  const int rc = crypto_scalarmult_ed25519_noclamp(out.data(), sk.data(), remote_public.data());
  sodium_memzero(sk.data(), sk.size());
  return rc == 0;
}

// 00000000 ‖ u32le(n) ‖ 00000000 (cipher.js writes the counter with setUint32 at 4).
std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce_for(std::uint64_t n) {
  std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce{};
  for (int i = 0; i < 4; i++) nonce[4 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return nonce;
}

Hash32 take32(ByteView b) {
  assert(b.size() >= 32);
  Hash32 out;
  std::copy(b.begin(), b.begin() + 32, out.begin());
  return out;
}

}  // namespace

NoiseHandshake::NoiseHandshake(bool initiator, const KeyPair& static_key_pair,
                               std::optional<KeyPair> ephemeral)
    : initiator_(initiator), s_(static_key_pair), e_(std::move(ephemeral)) {
  ensure_sodium();
  // initialise(): h = name zero-padded to 64, ck = h, MixHash(prologue = "").
  std::copy(kProtocolName.begin(), kProtocolName.end(), h_.begin());
  ck_ = h_;
  mix_hash({});
}

NoiseHandshake::~NoiseHandshake() {
  sodium_memzero(s_.secret_key.data(), s_.secret_key.size());
  if (e_) sodium_memzero(e_->secret_key.data(), e_->secret_key.size());
  sodium_memzero(ck_.data(), ck_.size());
  sodium_memzero(k_.data(), k_.size());
  sodium_memzero(result_.tx.data(), result_.tx.size());
  sodium_memzero(result_.rx.data(), result_.rx.size());
}

bool NoiseHandshake::our_turn() const {
  if (failed_ || complete()) return false;
  // Initiator writes messages 1 and 3 (steps 0 and 2), the responder message 2.
  return initiator_ == (step_ % 2 == 0);
}

const NoiseResult& NoiseHandshake::result() const {
  assert(complete());
  return result_;
}

void NoiseHandshake::mix_hash(ByteView data) { h_ = hash64({h_, data}); }

Status NoiseHandshake::mix_key(const Hash32& remote, const KeyPair& local) {
  Hash32 shared;
  if (!dh(shared, remote, local)) return Errc::handshake_failed;
  auto [ck, k] = hkdf(ck_, shared);
  sodium_memzero(shared.data(), shared.size());
  ck_ = ck;
  std::copy(k.begin(), k.begin() + kKeyLen, k_.begin());
  sodium_memzero(k.data(), k.size());
  has_key_ = true;
  n_ = 0;
  return {};
}

Bytes NoiseHandshake::encrypt_and_hash(ByteView plaintext) {
  Bytes out;
  if (!has_key_) {
    out.assign(plaintext.begin(), plaintext.end());
  } else {
    out.resize(plaintext.size() + kMacLen);
    const auto nonce = nonce_for(n_);
    unsigned long long len = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, plaintext.data(), plaintext.size(),
                                              h_.data(), h_.size(), nullptr, nonce.data(),
                                              k_.data());
    n_++;
  }
  mix_hash(out);
  return out;
}

Result<Bytes> NoiseHandshake::decrypt_and_hash(ByteView ciphertext) {
  Bytes out;
  if (!has_key_) {
    out.assign(ciphertext.begin(), ciphertext.end());
  } else {
    if (ciphertext.size() > kNoiseMaxMessage) return Errc::message_too_large;
    if (ciphertext.size() < kMacLen) return Errc::handshake_failed;
    out.resize(ciphertext.size() - kMacLen);
    const auto nonce = nonce_for(n_);
    unsigned long long len = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ciphertext.data(),
                                                  ciphertext.size(), h_.data(), h_.size(),
                                                  nonce.data(), k_.data()) != 0) {
      return Errc::handshake_failed;
    }
    n_++;
  }
  mix_hash(ciphertext);
  return out;
}

void NoiseHandshake::split() {
  auto [k1, k2] = hkdf(ck_, {});
  const Hash32 a = take32(k1), b = take32(k2);
  result_.tx = initiator_ ? a : b;
  result_.rx = initiator_ ? b : a;
  result_.handshake_hash = h_;
  result_.public_key = s_.public_key;
  result_.remote_public_key = rs_;
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  sodium_memzero(ck_.data(), ck_.size());
  sodium_memzero(k_.data(), k_.size());
  if (e_) sodium_memzero(e_->secret_key.data(), e_->secret_key.size());
  has_key_ = false;
}

std::error_code NoiseHandshake::fail() {
  failed_ = true;
  sodium_memzero(ck_.data(), ck_.size());
  sodium_memzero(k_.data(), k_.size());
  return make_error_code(Errc::handshake_failed);
}

Result<Bytes> NoiseHandshake::write_message() {
  if (!our_turn()) return Errc::handshake_state;
  Bytes out;
  if (step_ == 0 || step_ == 1) {
    // Token e (both first messages of each side).
    if (!e_) e_ = random_key_pair();
    mix_hash(e_->public_key);
    append(out, e_->public_key);
  }
  if (step_ == 1) {
    // Responder: ee, s, es(= DH(s, re)).
    if (!mix_key(re_, *e_)) return fail();
    append(out, encrypt_and_hash(s_.public_key));
    if (!mix_key(re_, s_)) return fail();
  } else if (step_ == 2) {
    // Initiator: s, se (= DH(s, re)).
    append(out, encrypt_and_hash(s_.public_key));
    if (!mix_key(re_, s_)) return fail();
  }
  append(out, encrypt_and_hash({}));  // the (empty) payload
  step_++;
  if (complete()) split();
  return out;
}

Status NoiseHandshake::read_message(ByteView message) {
  if (failed_ || complete() || our_turn()) return Errc::handshake_state;
  std::size_t off = 0;
  if (step_ == 0 || step_ == 1) {
    // Token e.
    if (message.size() < 32) return fail();
    re_ = take32(message);
    mix_hash(re_);
    off = 32;
  }
  if (step_ == 1) {
    // Initiator reads: ee, s, es (= DH(e, rs)).
    if (!mix_key(re_, *e_)) return fail();
    if (message.size() - off < 32 + kMacLen) return fail();
    auto rs = decrypt_and_hash(message.subspan(off, 32 + kMacLen));
    if (!rs) return fail();
    rs_ = take32(*rs);
    off += 32 + kMacLen;
    if (!mix_key(rs_, *e_)) return fail();
  } else if (step_ == 2) {
    // Responder reads: s, se (= DH(e, rs)).
    if (message.size() < 32 + kMacLen) return fail();
    auto rs = decrypt_and_hash(message.subspan(0, 32 + kMacLen));
    if (!rs) return fail();
    rs_ = take32(*rs);
    off = 32 + kMacLen;
    if (!mix_key(rs_, *e_)) return fail();
  }
  auto payload = decrypt_and_hash(message.subspan(off));
  if (!payload) {
    const auto ec = payload.error();
    (void)fail();
    return ec;
  }
  step_++;
  if (complete()) split();
  return {};
}

Hash32 stream_id(const Hash64& handshake_hash, bool initiator) {
  static const std::vector<Hash32> ns = namespace_ids("hyperswarm/secret-stream", 3);
  return keyed_hash({initiator ? ns[0] : ns[1]}, handshake_hash);
}

}  // namespace hc::crypto
