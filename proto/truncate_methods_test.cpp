#include "proto/truncate_methods.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::proto;
using nlohmann::json;

TEST_CASE("truncate methods: params and notification round-trip and refuse bad fields") {
  const TruncateParams by_name{CoreRef::by_name("chat"), 3};
  CHECK(to_json(by_name) == json{{"name", "chat"}, {"length", 3}});
  CHECK(*from_json<TruncateParams>(to_json(by_name)) == by_name);
  Hash32 key{};
  key[0] = 9;
  const TruncateParams by_key{CoreRef::by_key(key), 0};
  CHECK(*from_json<TruncateParams>(to_json(by_key)) == by_key);

  auto missing = from_json<TruncateParams>(json{{"name", "chat"}});
  REQUIRE(!missing);
  CHECK(missing.error().code == Errc::invalid_params);
  CHECK(!from_json<TruncateParams>(json{{"name", "chat"}, {"length", -1}}));
  CHECK(!from_json<TruncateParams>(json{{"name", "chat"}, {"length", "3"}}));
  CHECK(!from_json<TruncateParams>(json{{"length", 3}}));

  const TruncateNotification n{4, 10, 2};
  CHECK(to_json(n) == json{{"subscription", 4}, {"length", 10}, {"fork", 2}});
  CHECK(*from_json<TruncateNotification>(to_json(n)) == n);
  CHECK(!from_json<TruncateNotification>(json{{"subscription", 4}, {"length", 10}}));
  CHECK(!from_json<TruncateNotification>(json::array()));

  CHECK(is_known_method(kCoreTruncate));
  CHECK(!is_known_method(kCoreTruncated));
}
