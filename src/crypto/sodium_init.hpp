// libsodium must be initialised once before use; every crypto entry point that
// may run first calls ensure_sodium() (cheap after the first call).
#pragma once

namespace hc::crypto {
void ensure_sodium();
}
