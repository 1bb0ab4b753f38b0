# cmocka for Windows cross builds (included by tests/CMakeLists.txt when cross-compiling for WIN32;
# nothing else includes it, so no other configure runs any of this).
#
# Debian packages no mingw cmocka. In this order, the tests use:
#   1. CMOCKA_INCLUDE_DIR and CMOCKA_LIBRARY when both are given (a mingw build of cmocka);
#   2. a cmocka in the cross root (cmocka.h and libcmocka[-static].a under /usr/<triplet>);
#   3. a static cmocka built at configure time, with the same toolchain file, under
#      ${CMAKE_BINARY_DIR}/_deps/cmocka, from the tarball WBEMEV_CMOCKA_TARBALL names (a CMake or
#      environment variable) or else from Debian's cmocka source package, which
#      cmake/fetch-cmocka-source.sh downloads with apt-get source (the only network access of any
#      configure; WBEMEV_CMOCKA_FETCH=OFF forbids it). It takes a few seconds, once.
# One configure message, "cmocka for mingw: ...", says which, from where; the download's and the
# build's output go to log files next to it.
#
# cmocka.h marks print_error/print_message with __attribute__((format(__printf__))), which mingw gcc
# checks as Microsoft printf (no %zu). The tests include a generated copy that says gnu_printf
# instead (cmocka itself is built with __USE_MINGW_ANSI_STDIO, so %zu works at run time).
# Sets CMOCKA_INCLUDE_DIR (the generated copy's directory) and CMOCKA_LIBRARY in the cache.

if(NOT (WIN32 AND CMAKE_CROSSCOMPILING))
  return()
endif()

option(WBEMEV_CMOCKA_FETCH
       "Windows cross builds: download cmocka's source with apt-get source when no mingw cmocka is found" ON)
set(WBEMEV_CMOCKA_TARBALL "$ENV{WBEMEV_CMOCKA_TARBALL}" CACHE FILEPATH
    "Windows cross builds: a cmocka-1.1.x source tarball to build cmocka from (instead of downloading)")

set(_wbemev_cmocka_dir ${CMAKE_BINARY_DIR}/_deps/cmocka)
set(_wbemev_cmocka_wrapper ${_wbemev_cmocka_dir}/wrapper)

# 1. Given: CMOCKA_INCLUDE_DIR (not the wrapper this file writes) and CMOCKA_LIBRARY.
if(CMOCKA_INCLUDE_DIR AND CMOCKA_LIBRARY AND NOT CMOCKA_INCLUDE_DIR STREQUAL _wbemev_cmocka_wrapper)
  if(NOT EXISTS ${CMOCKA_INCLUDE_DIR}/cmocka.h OR NOT EXISTS ${CMOCKA_LIBRARY})
    message(FATAL_ERROR "cmocka for mingw: CMOCKA_INCLUDE_DIR (${CMOCKA_INCLUDE_DIR}) has no cmocka.h, "
                        "or CMOCKA_LIBRARY (${CMOCKA_LIBRARY}) does not exist")
  endif()
  set(WBEMEV_CMOCKA_REAL_INCLUDE_DIR ${CMOCKA_INCLUDE_DIR} CACHE PATH "cmocka.h for mingw" FORCE)
  set(WBEMEV_CMOCKA_ORIGIN "given as CMOCKA_INCLUDE_DIR=${CMOCKA_INCLUDE_DIR} and CMOCKA_LIBRARY=${CMOCKA_LIBRARY}"
      CACHE INTERNAL "")
endif()

# 2. Found in the cross root (the toolchain file confines searches to it).
if(NOT WBEMEV_CMOCKA_REAL_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
  find_path(WBEMEV_CMOCKA_REAL_INCLUDE_DIR cmocka.h)
  find_library(CMOCKA_LIBRARY NAMES cmocka-static cmocka)
  if(WBEMEV_CMOCKA_REAL_INCLUDE_DIR AND CMOCKA_LIBRARY)
    set(WBEMEV_CMOCKA_ORIGIN "found in the cross root: ${CMOCKA_LIBRARY} with ${WBEMEV_CMOCKA_REAL_INCLUDE_DIR}/cmocka.h"
        CACHE INTERNAL "")
  endif()
endif()

# 3. Built from source.
if(NOT WBEMEV_CMOCKA_REAL_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
  file(MAKE_DIRECTORY ${_wbemev_cmocka_dir})
  file(GLOB _wbemev_cmocka_unpacked LIST_DIRECTORIES true ${_wbemev_cmocka_dir}/cmocka-*)
  if(_wbemev_cmocka_unpacked)
    # The script uses what is there: say where that came from, as the configure that got it wrote.
    set(_wbemev_from "got by an earlier configure")
    if(EXISTS ${_wbemev_cmocka_dir}/origin.txt)
      file(READ ${_wbemev_cmocka_dir}/origin.txt _wbemev_earlier)
      string(STRIP "${_wbemev_earlier}" _wbemev_earlier)
      string(APPEND _wbemev_from ": ${_wbemev_earlier}")
    endif()
  elseif(WBEMEV_CMOCKA_TARBALL)
    if(NOT EXISTS ${WBEMEV_CMOCKA_TARBALL})
      message(FATAL_ERROR "cmocka for mingw: WBEMEV_CMOCKA_TARBALL (${WBEMEV_CMOCKA_TARBALL}) does not exist")
    endif()
    set(_wbemev_from "the tarball WBEMEV_CMOCKA_TARBALL names, ${WBEMEV_CMOCKA_TARBALL}")
  elseif(NOT WBEMEV_CMOCKA_FETCH)
    message(FATAL_ERROR "cmocka for mingw: none found in the cross root, and WBEMEV_CMOCKA_FETCH is OFF. "
                        "Set WBEMEV_CMOCKA_TARBALL to a cmocka-1.1.x tarball, or pass CMOCKA_INCLUDE_DIR "
                        "and CMOCKA_LIBRARY of a mingw build.")
  else()
    set(_wbemev_from "")
  endif()

  # Unpacks (downloading first unless a tarball is given or the source is there); prints its path.
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env "WBEMEV_CMOCKA_TARBALL=${WBEMEV_CMOCKA_TARBALL}"
            sh ${PROJECT_SOURCE_DIR}/cmake/fetch-cmocka-source.sh ${_wbemev_cmocka_dir}
    OUTPUT_VARIABLE _wbemev_cmocka_src OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_FILE ${_wbemev_cmocka_dir}/fetch.log
    RESULT_VARIABLE _wbemev_rc)
  if(NOT _wbemev_rc EQUAL 0 OR NOT EXISTS ${_wbemev_cmocka_src}/include/cmocka.h)
    message(FATAL_ERROR "cmocka for mingw: none found in the cross root, and getting cmocka's source "
                        "failed (apt-get source cmocka; see ${_wbemev_cmocka_dir}/fetch.log). Set "
                        "WBEMEV_CMOCKA_TARBALL to a cmocka-1.1.x tarball, or pass CMOCKA_INCLUDE_DIR "
                        "and CMOCKA_LIBRARY of a mingw build.")
  endif()
  if(NOT _wbemev_from)
    # Downloaded now: name the package version and the archive it came from, as apt-get used them.
    file(GLOB _wbemev_dsc ${_wbemev_cmocka_dir}/apt/download/cmocka_*.dsc)
    set(_wbemev_from "Debian's cmocka source package")
    if(_wbemev_dsc)
      list(GET _wbemev_dsc 0 _wbemev_dsc)
      get_filename_component(_wbemev_name ${_wbemev_dsc} NAME_WLE)
      string(REPLACE "cmocka_" "" _wbemev_version "${_wbemev_name}")
      set(_wbemev_from "Debian's cmocka source package ${_wbemev_version}")
    endif()
    set(_wbemev_sources ${_wbemev_cmocka_dir}/apt/parts/wbemev-src.sources)
    if(EXISTS ${_wbemev_sources})
      file(STRINGS ${_wbemev_sources} _wbemev_uri REGEX "^URIs: ")
      file(STRINGS ${_wbemev_sources} _wbemev_suite REGEX "^Suites: ")
      string(REPLACE "URIs: " "" _wbemev_uri "${_wbemev_uri}")
      string(REPLACE "Suites: " "" _wbemev_suite "${_wbemev_suite}")
      string(APPEND _wbemev_from ", downloaded with apt-get source from ${_wbemev_uri} ${_wbemev_suite}")
    else()
      string(APPEND _wbemev_from ", downloaded with apt-get source")
    endif()
  endif()
  if(NOT _wbemev_cmocka_unpacked)
    file(WRITE ${_wbemev_cmocka_dir}/origin.txt "${_wbemev_from}\n")
  endif()
  get_filename_component(_wbemev_src_name ${_wbemev_cmocka_src} NAME)

  set(_wbemev_cmocka_args
    -DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}
    -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_INSTALL_PREFIX=${_wbemev_cmocka_dir}/install
    -DCMAKE_INSTALL_LIBDIR=lib
    -DWITH_STATIC_LIB=ON
    -DWITH_EXAMPLES=OFF
    -DUNIT_TESTING=OFF
    -DPICKY_DEVELOPER=OFF)
  if(CMAKE_MAKE_PROGRAM)
    list(APPEND _wbemev_cmocka_args -DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM})
  endif()
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${_wbemev_cmocka_src} -B ${_wbemev_cmocka_dir}/build
            -G ${CMAKE_GENERATOR} ${_wbemev_cmocka_args}
    OUTPUT_FILE ${_wbemev_cmocka_dir}/configure.log ERROR_FILE ${_wbemev_cmocka_dir}/configure.log
    RESULT_VARIABLE _wbemev_rc)
  if(_wbemev_rc EQUAL 0)
    execute_process(
      COMMAND ${CMAKE_COMMAND} --build ${_wbemev_cmocka_dir}/build --target install
      OUTPUT_FILE ${_wbemev_cmocka_dir}/build.log ERROR_FILE ${_wbemev_cmocka_dir}/build.log
      RESULT_VARIABLE _wbemev_rc)
  endif()
  if(NOT _wbemev_rc EQUAL 0)
    message(FATAL_ERROR "cmocka for mingw: building ${_wbemev_src_name} failed; see "
                        "${_wbemev_cmocka_dir}/configure.log and build.log")
  endif()
  unset(WBEMEV_CMOCKA_REAL_INCLUDE_DIR CACHE)
  unset(CMOCKA_LIBRARY CACHE)
  find_path(WBEMEV_CMOCKA_REAL_INCLUDE_DIR cmocka.h PATHS ${_wbemev_cmocka_dir}/install/include
            NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  find_library(CMOCKA_LIBRARY NAMES cmocka-static PATHS ${_wbemev_cmocka_dir}/install/lib
               NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  if(NOT WBEMEV_CMOCKA_REAL_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
    message(FATAL_ERROR "cmocka for mingw: built, but not found under ${_wbemev_cmocka_dir}/install")
  endif()
  string(CONCAT _wbemev_origin "built from ${_wbemev_src_name} (${_wbemev_from}), source in "
         "${_wbemev_cmocka_src}, library ${CMOCKA_LIBRARY}")
  set(WBEMEV_CMOCKA_ORIGIN "${_wbemev_origin}" CACHE INTERNAL "")
endif()

if(NOT WBEMEV_CMOCKA_ORIGIN) # a cache written before the origin was recorded
  string(FIND "${CMOCKA_LIBRARY}" "${_wbemev_cmocka_dir}/" _wbemev_at)
  if(_wbemev_at EQUAL 0 AND EXISTS ${_wbemev_cmocka_dir}/origin.txt)
    file(READ ${_wbemev_cmocka_dir}/origin.txt _wbemev_earlier)
    string(STRIP "${_wbemev_earlier}" _wbemev_earlier)
    set(_wbemev_origin "built by an earlier configure (${_wbemev_earlier}), library ${CMOCKA_LIBRARY}")
  elseif(_wbemev_at EQUAL 0)
    set(_wbemev_origin "built by an earlier configure, library ${CMOCKA_LIBRARY}")
  else()
    set(_wbemev_origin "${CMOCKA_LIBRARY} with ${WBEMEV_CMOCKA_REAL_INCLUDE_DIR}/cmocka.h, as this build's cache has it")
  endif()
  set(WBEMEV_CMOCKA_ORIGIN "${_wbemev_origin}" CACHE INTERNAL "")
endif()

# The header the tests include: cmocka.h itself, marked as a system header (as Linux's
# /usr/include/cmocka.h is, so its macros raise no -Wpedantic warnings in the tests), with its
# format attributes as gnu_printf.
file(READ ${WBEMEV_CMOCKA_REAL_INCLUDE_DIR}/cmocka.h _wbemev_cmocka_h)
string(REPLACE "__printf__" "__gnu_printf__" _wbemev_cmocka_h "${_wbemev_cmocka_h}")
file(WRITE ${_wbemev_cmocka_wrapper}/cmocka.h
"/* Generated by cmake/WbemevCmockaMingw.cmake from ${WBEMEV_CMOCKA_REAL_INCLUDE_DIR}/cmocka.h:
 * a system header, with gnu_printf format checks (mingw). */
#pragma GCC system_header
${_wbemev_cmocka_h}")
set(CMOCKA_INCLUDE_DIR ${_wbemev_cmocka_wrapper} CACHE PATH "cmocka.h (mingw wrapper)" FORCE)
message(STATUS "cmocka for mingw: ${WBEMEV_CMOCKA_ORIGIN}")
