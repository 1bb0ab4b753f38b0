# Embeds the scaffold's templates (tools/templates/*.in) into a C file for `wbemev new`:
#
#   cmake -DOUTPUT=templates.c -DTEMPLATES="a.in;b.in" -P embed_templates.cmake
#
# Each file becomes a byte array (no string-length limit, no escaping) in tool_templates[], named by
# its file name.
if(NOT OUTPUT OR NOT TEMPLATES)
  message(FATAL_ERROR "embed_templates.cmake: OUTPUT and TEMPLATES are required")
endif()
set(_c "/* Generated from tools/templates by tools/embed_templates.cmake: do not edit. */\n")
string(APPEND _c "#include \"templates.h\"\n\n")
set(_table "")
set(_i 0)
foreach(_path IN LISTS TEMPLATES)
  get_filename_component(_name "${_path}" NAME)
  file(READ "${_path}" _hex HEX)
  string(LENGTH "${_hex}" _len)
  math(EXPR _bytes "${_len} / 2")
  if(_bytes EQUAL 0)
    message(FATAL_ERROR "embed_templates.cmake: ${_path} is empty")
  endif()
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _body "${_hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " _body "${_body}")
  string(APPEND _c "static const unsigned char template_${_i}[${_bytes}] = {\n    ${_body}\n};\n")
  string(APPEND _table "    {\"${_name}\", template_${_i}, ${_bytes}},\n")
  math(EXPR _i "${_i} + 1")
endforeach()
string(APPEND _c "\nconst tool_template tool_templates[] = {\n${_table}};\n")
string(APPEND _c "const size_t tool_template_count = ${_i};\n")
file(WRITE "${OUTPUT}" "${_c}")
