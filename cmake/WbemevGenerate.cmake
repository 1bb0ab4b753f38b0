# wbemev_generate(): typed C from a provider's MOF, regenerated whenever the MOF changes.
#
#   wbemev_generate(TARGET MOF file.mof [PREFIX name] [OUTPUT_DIR dir] [HEADER name.h] [SOURCE name.c]
#                   [DEPENDS file...])
#
# runs `wbemev gen` at build time (a custom command that depends on the MOF, the files named in
# DEPENDS, such as the MOF files it #includes, and the wbemev tool), adds the generated source to
# TARGET and the output directory to its include path (PUBLIC: a library's users include the
# header through its own headers). Defaults: PREFIX from the MOF's file name (burst.mof: burst),
# OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/TARGET_wbemev_gen (one per target, so two targets may
# generate from one MOF), HEADER PREFIX_mof.h, SOURCE PREFIX_mof.c.
#
# The generator: the variable WBEMEV_GENERATOR when set (a wbemev tool that runs on the build
# machine: cross builds set it), else the tool built in the same project, else the installed one
# that find_package(wbemev) found (wbemev_TOOL). wbemev_generate_available(VAR) tells whether one
# is there.
include_guard(GLOBAL)

# The tool as a command, and what the custom command depends on.
function(_wbemev_generator command_var depends_var)
  get_property(_tool_target GLOBAL PROPERTY WBEMEV_GENERATE_TOOL_TARGET)
  if(WBEMEV_GENERATOR)
    set(${command_var} "${WBEMEV_GENERATOR}" PARENT_SCOPE)
    set(${depends_var} "${WBEMEV_GENERATOR}" PARENT_SCOPE)
  elseif(_tool_target)
    # wbemev's own build (or a parent project's) building the tool; the target may be defined
    # later in the configuration: generator expressions resolve at generation time.
    set(${command_var} "$<TARGET_FILE:${_tool_target}>" PARENT_SCOPE)
    set(${depends_var} "${_tool_target}" PARENT_SCOPE)
  elseif(wbemev_TOOL)
    set(${command_var} "${wbemev_TOOL}" PARENT_SCOPE)
    set(${depends_var} "${wbemev_TOOL}" PARENT_SCOPE)
  else()
    set(${command_var} "" PARENT_SCOPE)
    set(${depends_var} "" PARENT_SCOPE)
  endif()
endfunction()

function(wbemev_generate_available out_var)
  _wbemev_generator(_command _depends)
  if(_command)
    set(${out_var} TRUE PARENT_SCOPE)
  else()
    set(${out_var} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(wbemev_generate target)
  cmake_parse_arguments(PARSE_ARGV 1 _wg "" "MOF;PREFIX;OUTPUT_DIR;HEADER;SOURCE" "DEPENDS")
  if(NOT TARGET ${target})
    message(FATAL_ERROR "wbemev_generate: '${target}' is not a target")
  endif()
  if(NOT _wg_MOF)
    message(FATAL_ERROR "wbemev_generate(${target}): MOF file.mof is required")
  endif()
  if(_wg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wbemev_generate(${target}): unknown arguments: ${_wg_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(_mof "${_wg_MOF}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_source_file_property(_mof_generated "${_mof}" GENERATED)
  if(NOT EXISTS "${_mof}" AND NOT _mof_generated)
    message(FATAL_ERROR "wbemev_generate(${target}): no file ${_mof}")
  endif()

  if(_wg_PREFIX)
    set(_prefix "${_wg_PREFIX}")
  else()
    # The tool's own rule, for the common case: a lower-case file name of letters, digits, '_'.
    get_filename_component(_prefix "${_mof}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${_prefix}" _prefix)
    if(NOT _prefix MATCHES "^[a-z][a-z0-9_]*$")
      message(FATAL_ERROR "wbemev_generate(${target}): give a PREFIX (lower-case C identifier) for ${_mof}")
    endif()
  endif()
  if(_wg_OUTPUT_DIR)
    get_filename_component(_dir "${_wg_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  else()
    set(_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}_wbemev_gen")
  endif()
  set(_header "${_prefix}_mof.h")
  set(_source "${_prefix}_mof.c")
  if(_wg_HEADER)
    set(_header "${_wg_HEADER}")
  endif()
  if(_wg_SOURCE)
    set(_source "${_wg_SOURCE}")
  endif()

  _wbemev_generator(_command _tool_depends)
  if(NOT _command)
    message(FATAL_ERROR "wbemev_generate(${target}): no wbemev tool to generate with: find_package(wbemev) "
                        "from a package built with its tool, or set WBEMEV_GENERATOR to one")
  endif()

  set(_depends "${_mof}")
  foreach(_d IN LISTS _wg_DEPENDS)
    get_filename_component(_d "${_d}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND _depends "${_d}")
  endforeach()
  get_filename_component(_mof_name "${_mof}" NAME)
  add_custom_command(
    OUTPUT "${_dir}/${_header}" "${_dir}/${_source}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${_dir}"
    COMMAND "${_command}" gen "${_mof}" -o "${_dir}" --prefix "${_prefix}" --header "${_header}"
            --source "${_source}"
    DEPENDS ${_depends} ${_tool_depends}
    COMMENT "Generating ${_header} and ${_source} from ${_mof_name}"
    VERBATIM)
  target_sources(${target} PRIVATE "${_dir}/${_source}" "${_dir}/${_header}")
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${_dir}>")
endfunction()
