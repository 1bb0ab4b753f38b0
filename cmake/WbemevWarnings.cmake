# Warnings for wbemev's own targets: wbemev_set_warnings(target). It also instruments the target for
# WBEMEV_SANITIZER and WBEMEV_COVERAGE (wbemev_target_instrument), so every target of the project
# that calls it is built alike.
include(${CMAKE_CURRENT_LIST_DIR}/WbemevInstrument.cmake)

function(wbemev_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
    if(WBEMEV_WERROR)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wstrict-prototypes
                                              -Wmissing-prototypes -Wshadow -Wformat=2)
    if(WBEMEV_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  wbemev_target_instrument(${target})
endfunction()
