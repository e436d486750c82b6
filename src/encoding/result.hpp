// Result<T>: a value or a std::error_code, the error scheme of every layer.
//
// C++20 on GCC 12 has no std::expected. Expected failures (bad input, missing
// data, I/O errors) travel as values; bugs are asserts. Each layer defines its
// own error_category (see errors.hpp) so codes keep their meaning across layers.
#pragma once

#include <cassert>
#include <system_error>
#include <utility>
#include <variant>

namespace hc {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(std::error_code ec) : v_(ec) { assert(ec); }  // NOLINT
  template <class E>
    requires std::is_error_code_enum_v<E>
  Result(E e) : Result(std::error_code(make_error_code(e))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  std::error_code error() const { return ok() ? std::error_code() : std::get<1>(v_); }

 private:
  std::variant<T, std::error_code> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(std::error_code ec) : ec_(ec) {}  // NOLINT
  template <class E>
    requires std::is_error_code_enum_v<E>
  Result(E e) : ec_(make_error_code(e)) {}  // NOLINT

  bool ok() const { return !ec_; }
  explicit operator bool() const { return ok(); }
  std::error_code error() const { return ec_; }

 private:
  std::error_code ec_;
};

using Status = Result<void>;

}  // namespace hc

#define HC_CONCAT_INNER(a, b) a##b
#define HC_CONCAT(a, b) HC_CONCAT_INNER(a, b)

// HC_TRY(auto x, expr): evaluates expr (a Result); returns its error from the
// enclosing function, or binds its value to the declaration on the left.
#define HC_TRY(decl, expr)                                          \
  auto HC_CONCAT(hc_try_, __LINE__) = (expr);                       \
  if (!HC_CONCAT(hc_try_, __LINE__)) return HC_CONCAT(hc_try_, __LINE__).error(); \
  decl = std::move(*HC_CONCAT(hc_try_, __LINE__))

// HC_CHECK(expr): evaluates a Result<void> (or any Result) and returns its error.
#define HC_CHECK(expr)                                              \
  do {                                                              \
    auto hc_check_r = (expr);                                       \
    if (!hc_check_r) return hc_check_r.error();                     \
  } while (0)
