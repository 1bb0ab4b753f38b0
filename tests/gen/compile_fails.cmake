# cmake -P compile_fails.cmake: a misspelled property in the MOF makes the provider fail to COMPILE.
#   -DTOOL=wbemev -DCC=compiler "-DFLAGS=flags" -DINCLUDE=wbemev's include dir -DDIR=tests/gen -DWORK=scratch dir
# Generates typo_mof.h from severity.mof (the control: the provider must compile) and from
# severity_typo.mof (the provider must not compile, and the compiler must name the setter).
foreach(v TOOL CC INCLUDE DIR WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "compile_fails.cmake: -D${v}=... missing")
  endif()
endforeach()
separate_arguments(_flags UNIX_COMMAND "${FLAGS}")

function(generate_and_compile mof out_result out_output)
  set(_dir "${WORK}/${mof}")
  file(REMOVE_RECURSE "${_dir}")
  file(MAKE_DIRECTORY "${_dir}")
  execute_process(COMMAND "${TOOL}" gen "${DIR}/${mof}" -o "${_dir}" --prefix typo
                  RESULT_VARIABLE _gen OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _gen EQUAL 0)
    message(FATAL_ERROR "wbemev gen ${mof} failed (${_gen}):\n${_out}")
  endif()
  execute_process(COMMAND "${CC}" ${_flags} -I "${INCLUDE}" -I "${_dir}" -c "${DIR}/typo_provider.c"
                          -o "${_dir}/typo_provider.o"
                  RESULT_VARIABLE _cc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  set(${out_result} "${_cc}" PARENT_SCOPE)
  set(${out_output} "${_out}" PARENT_SCOPE)
endfunction()

generate_and_compile(severity.mof _ok _ok_output)
if(NOT _ok EQUAL 0)
  message(FATAL_ERROR "the control does not compile (against severity.mof's C):\n${_ok_output}")
endif()
generate_and_compile(severity_typo.mof _bad _bad_output)
if(_bad EQUAL 0)
  message(FATAL_ERROR "typo_provider.c compiled against the C of a MOF without 'Severity'")
endif()
if(NOT _bad_output MATCHES "typo_event_put_severity")
  message(FATAL_ERROR "the compiler failed, but not on typo_event_put_severity:\n${_bad_output}")
endif()
message(STATUS "as expected, the misspelled property is a compile error:\n${_bad_output}")
