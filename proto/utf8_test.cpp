#include "proto/utf8.hpp"

#include <string>

#include <doctest/doctest.h>

using hc::proto::is_valid_utf8;

TEST_CASE("utf8: well-formed text at every sequence length and boundary") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("hello"));
  CHECK(is_valid_utf8(std::string("a\0b", 3)));
  CHECK(is_valid_utf8("\x7F"));
  CHECK(is_valid_utf8("\xC2\x80"));          // U+0080
  CHECK(is_valid_utf8("\xDF\xBF"));          // U+07FF
  CHECK(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
  CHECK(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above
  CHECK(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  CHECK(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  CHECK(is_valid_utf8("gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST_CASE("utf8: overlong forms") {
  CHECK_FALSE(is_valid_utf8("\xC0\x80"));          // U+0000 in two bytes
  CHECK_FALSE(is_valid_utf8("\xC1\xBF"));
  CHECK_FALSE(is_valid_utf8("\xE0\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  CHECK_FALSE(is_valid_utf8("\xF0\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST_CASE("utf8: surrogates and code points above U+10FFFF") {
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));              // U+D800
  CHECK_FALSE(is_valid_utf8("\xED\xBF\xBF"));              // U+DFFF
  CHECK_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));          // U+110000
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK_FALSE(is_valid_utf8("\xFE"));
}

TEST_CASE("utf8: truncated sequences and stray continuation bytes") {
  CHECK_FALSE(is_valid_utf8("\xC3"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));
  CHECK_FALSE(is_valid_utf8("\xF0\x9F\x98"));
  CHECK_FALSE(is_valid_utf8("ab\xF0\x9F"));
  CHECK_FALSE(is_valid_utf8("\xE2\x82z"));  // cut short by an ASCII byte
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("a\xBF" "b"));
  CHECK_FALSE(is_valid_utf8("\xC3\xBC\x80"));  // one continuation too many
}

TEST_CASE("utf8: agrees with a brute-force decoder on every 1..3 byte string") {
  // Reference: decode by the RFC 3629 definition, then check the value range.
  auto reference = [](const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
      unsigned char b = static_cast<unsigned char>(s[i]);
      int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
      if (len == 0 || i + len > s.size()) return false;
      unsigned cp = len == 1 ? b : b & (0x7F >> len);
      for (int k = 1; k < len; k++) {
        unsigned char c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) return false;
        cp = cp << 6 | (c & 0x3F);
      }
      static const unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += len;
    }
    return true;
  };
  int mismatches = 0;
  for (int a = 0; a < 256; a++) {
    std::string s1(1, static_cast<char>(a));
    mismatches += is_valid_utf8(s1) != reference(s1);
    for (int b = 0; b < 256; b++) {
      std::string s2 = s1 + static_cast<char>(b);
      mismatches += is_valid_utf8(s2) != reference(s2);
      for (int c : {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
        std::string s3 = s2 + static_cast<char>(c);
        mismatches += is_valid_utf8(s3) != reference(s3);
        std::string s4 = s3 + '\x80';
        mismatches += is_valid_utf8(s4) != reference(s4);
      }
    }
  }
  CHECK(mismatches == 0);
}
