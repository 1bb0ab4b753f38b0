# WBEMEV_COVERAGE: instrument everything built in this project for gcov line and branch coverage
# (gcc or clang, Debug builds). .ci/check-coverage.sh builds with it, runs ctest and reads the
# figures of lib/ with gcovr.
option(WBEMEV_COVERAGE "Instrument for gcov line and branch coverage (.ci/check-coverage.sh)" OFF)
if(WBEMEV_COVERAGE)
  if(MSVC)
    message(FATAL_ERROR "WBEMEV_COVERAGE needs gcc or clang")
  endif()
  if(NOT WBEMEV_SANITIZER STREQUAL "none")
    message(FATAL_ERROR "WBEMEV_COVERAGE and WBEMEV_SANITIZER exclude each other")
  endif()
  # Atomic counters: the dispatcher and the tests run threads, and racy counters go negative.
  add_compile_options(--coverage -O0 -fprofile-update=atomic)
  add_link_options(--coverage)
endif()
