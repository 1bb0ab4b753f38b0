# WBEMEV_COVERAGE: instrument this project's targets for gcov line and branch coverage (gcc or clang,
# Debug builds). Checked here; applied to each target by wbemev_target_instrument()
# (cmake/WbemevInstrument.cmake). .ci/check-coverage.sh builds with it, runs ctest and reads the
# figures of lib/ with gcovr.
option(WBEMEV_COVERAGE "Instrument for gcov line and branch coverage (.ci/check-coverage.sh)" OFF)
if(WBEMEV_COVERAGE)
  if(MSVC)
    message(FATAL_ERROR "WBEMEV_COVERAGE needs gcc or clang")
  endif()
  if(WBEMEV_SANITIZER AND NOT WBEMEV_SANITIZER STREQUAL "none")
    message(FATAL_ERROR "WBEMEV_COVERAGE and WBEMEV_SANITIZER exclude each other")
  endif()
endif()
