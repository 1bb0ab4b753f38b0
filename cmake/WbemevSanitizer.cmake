# WBEMEV_SANITIZER: none, address, undefined, address,undefined or thread. Checked here; applied to
# each of this project's targets by wbemev_target_instrument() (cmake/WbemevInstrument.cmake, called
# by wbemev_set_warnings()), never to a parent project's own targets.
# Sanitizers exclude each other and Valgrind.
if(WBEMEV_SANITIZER AND NOT WBEMEV_SANITIZER STREQUAL "none")
  if(MSVC AND NOT WBEMEV_SANITIZER STREQUAL "address")
    message(FATAL_ERROR "MSVC supports only WBEMEV_SANITIZER=address")
  endif()
  if(WBEMEV_TEST_VALGRIND)
    message(FATAL_ERROR "WBEMEV_SANITIZER and WBEMEV_TEST_VALGRIND exclude each other")
  endif()
endif()
