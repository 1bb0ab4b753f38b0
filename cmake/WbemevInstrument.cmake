# wbemev_target_instrument(target): the WBEMEV_SANITIZER and WBEMEV_COVERAGE flags (validated in
# cmake/WbemevSanitizer.cmake and cmake/WbemevCoverage.cmake) on one of this project's targets.
# wbemev_set_warnings() calls it, so every target of the project that gets the warnings gets these too.
#
# The flags are target properties, never directory-wide ones (add_compile_options and the like), so a
# parent project that adds wbemev with add_subdirectory() compiles its own sources as it chooses:
#   - compile flags are PRIVATE: only the target's own sources are instrumented;
#   - link flags (the sanitizer runtime, libgcov) are PUBLIC on libraries: whatever links an
#     instrumented library needs those runtimes too, a parent project's executable included.
function(wbemev_target_instrument target)
  set(_compile "")
  set(_link "")
  if(WBEMEV_SANITIZER AND NOT WBEMEV_SANITIZER STREQUAL "none")
    if(MSVC)
      list(APPEND _compile /fsanitize=address) # MSVC links the runtime by itself
    else()
      list(APPEND _compile -fsanitize=${WBEMEV_SANITIZER} -fno-omit-frame-pointer)
      if(WBEMEV_SANITIZER MATCHES "undefined")
        list(APPEND _compile -fno-sanitize-recover=all)
      endif()
      list(APPEND _link -fsanitize=${WBEMEV_SANITIZER})
    endif()
  endif()
  if(WBEMEV_COVERAGE)
    # Atomic counters: the dispatcher and the tests run threads, and racy counters go negative.
    list(APPEND _compile --coverage -O0 -fprofile-update=atomic)
    list(APPEND _link --coverage)
  endif()
  if(NOT _compile AND NOT _link)
    return()
  endif()

  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "INTERFACE_LIBRARY")
    # No sources of its own: only what its users must link.
    if(_link)
      target_link_options(${target} INTERFACE ${_link})
    endif()
    return()
  endif()
  if(_compile)
    target_compile_options(${target} PRIVATE ${_compile})
  endif()
  if(_link)
    if(_type MATCHES "^(STATIC|SHARED|OBJECT)_LIBRARY$")
      target_link_options(${target} PUBLIC ${_link})
    else() # executables, modules (plugins)
      target_link_options(${target} PRIVATE ${_link})
    endif()
  endif()
endfunction()
