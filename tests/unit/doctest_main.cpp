// doctest's main, with one check more: a run asked for named test cases
// (--test-case=..., as ctest runs each one) fails when none of them ran. A
// name CMake's test discovery mangles (a ';' splits it) would otherwise pass
// by running nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string_view>

namespace {

unsigned g_selected = 0;  // test cases that passed the filters in the last run

struct SelectedCounter : doctest::IReporter {
  explicit SelectedCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_selected = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

DOCTEST_REGISTER_LISTENER("selected-counter", 1, SelectedCounter);

bool names_test_cases(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const std::string_view a = argv[i];
    for (std::string_view flag : {"--test-case=", "-tc=", "--dt-test-case=", "--dt-tc="}) {
      if (a.substr(0, flag.size()) == flag) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;  // --help, --list-test-cases, ...
  if (rc == 0 && names_test_cases(argc, argv) && g_selected == 0) {
    std::fprintf(stderr, "no test case matches the --test-case filter\n");
    return 1;
  }
  return rc;
}
