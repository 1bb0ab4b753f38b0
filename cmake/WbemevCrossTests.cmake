# Tests of a cross build (the mingw preset) run through CMAKE_CROSSCOMPILING_EMULATOR, which the
# toolchain file sets to Wine when it finds it. Without Wine the tests are still built (they compile
# with -Werror like everything else), and each says why it cannot run instead of failing on an
# executable the build machine cannot start. One configure message says which it is.
if(CMAKE_CROSSCOMPILING AND (WBEMEV_BUILD_TESTS OR WBEMEV_BUILD_EXAMPLES))
  if(CMAKE_CROSSCOMPILING_EMULATOR)
    message(STATUS "cross build: the tests run under ${CMAKE_CROSSCOMPILING_EMULATOR}")
  else()
    if(WIN32)
      set(_wbemev_no_emulator "Wine not found (Debian: apt-get install wine wine64)")
    else()
      set(_wbemev_no_emulator "no CMAKE_CROSSCOMPILING_EMULATOR given")
    endif()
    message(STATUS "cross build: ${_wbemev_no_emulator}: the tests are built, but cannot run here")
    set(CMAKE_CROSSCOMPILING_EMULATOR sh -c "echo 'not run: cross build, ${_wbemev_no_emulator}' >&2 && exit 1"
        wbemev-no-emulator)
    unset(_wbemev_no_emulator)
  endif()
endif()
