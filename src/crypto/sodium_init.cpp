#include "sodium_init.hpp"

#include <sodium.h>

#include <cstdlib>

namespace hc::crypto {

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no randomness source: nothing safe can be done
}

}  // namespace hc::crypto
