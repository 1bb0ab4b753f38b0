# cmake -P example_current.cmake -DTOOL=wbemev -DEXAMPLES=examples/ -DWORK=scratch dir
# examples/generated/ (what builds without the tool, such as cross builds, compile) must be what
# `wbemev gen` writes for examples/burst.mof today.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${TOOL}" gen "${EXAMPLES}/burst.mof" -o "${WORK}" --prefix burst
                RESULT_VARIABLE _gen ERROR_VARIABLE _err)
if(NOT _gen EQUAL 0)
  message(FATAL_ERROR "wbemev gen examples/burst.mof failed (${_gen}):\n${_err}")
endif()
foreach(f burst_mof.h burst_mof.c)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${WORK}/${f}" "${EXAMPLES}/generated/${f}"
                  RESULT_VARIABLE _same)
  if(NOT _same EQUAL 0)
    message(FATAL_ERROR "examples/generated/${f} is not what examples/burst.mof gives: regenerate it with\n"
                        "  wbemev gen examples/burst.mof --prefix burst -o examples/generated")
  endif()
endforeach()
