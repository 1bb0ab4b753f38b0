# Cross toolchain: Windows x86_64 with mingw-w64 (Debian's `mingw-w64` package), tests run under
# Wine (Debian's `wine` and `wine64`). Used by the `mingw` presets:
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#
# Executables link libgcc and winpthread statically (-static), so Wine runs them without DLL
# hunting; DLLs link libgcc statically. Stdio is mingw's C99 one (__USE_MINGW_ANSI_STDIO), so %zu,
# %lld and friends work at run time as they are checked at compile time.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(WBEMEV_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${WBEMEV_MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${WBEMEV_MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${WBEMEV_MINGW_TRIPLET}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${WBEMEV_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

# Tests (add_test with a target as COMMAND) and try_run go through Wine.
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(WBEMEV_WINE NAMES wine wine64)
  if(WBEMEV_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${WBEMEV_WINE})
  endif()
endif()
