# burst_example_mof(TARGET): the burst example's generated code (burst_mof.h, burst_mof.c) for a
# target that compiles burst_provider.c. It is generated from burst.mof at build time, as in a
# provider project (wbemev_generate, cmake/WbemevGenerate.cmake), whenever a wbemev tool that runs
# here is at hand. Cross builds and builds without the tool take the copy in generated/, which
# the test gen_example_current keeps equal to what the tool writes.
include_guard(GLOBAL)
set(BURST_EXAMPLE_DIR "${CMAKE_CURRENT_LIST_DIR}" CACHE INTERNAL "examples/, for burst_example_mof")

function(burst_example_mof target)
  wbemev_generate_available(_can_generate)
  if(_can_generate)
    wbemev_generate(${target} MOF "${BURST_EXAMPLE_DIR}/burst.mof" PREFIX burst)
  else()
    target_sources(${target} PRIVATE "${BURST_EXAMPLE_DIR}/generated/burst_mof.c")
    target_include_directories(${target} PUBLIC "${BURST_EXAMPLE_DIR}/generated")
  endif()
endfunction()
