# Install rules: headers, the exported CMake package (wbemev-config.cmake, its version file and the
# targets), wbemev.pc and wbemev-testkit.pc. The library targets are installed in lib/CMakeLists.txt
# (EXPORT wbemevTargets), the test kit here. Consumers:
#   find_package(wbemev 0.1 REQUIRED)  target_link_libraries(app PRIVATE wbemev::wbemev)
#                                      target_link_libraries(test PRIVATE wbemev::testkit)
#   cc app.c $(pkg-config --cflags --libs wbemev)
#   cc test.c $(pkg-config --cflags --libs wbemev-testkit)
include(CMakePackageConfigHelpers)

set(WBEMEV_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/wbemev" CACHE STRING
    "Where wbemev-config.cmake is installed, relative to the prefix")

# Public headers. wbemev/win.h is for the Windows COM shim only.
install(FILES ${PROJECT_SOURCE_DIR}/include/wbemev.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(WBEMEV_BUILD_COM_SHIM)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wbemev DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
else()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wbemev DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h" PATTERN "win.h" EXCLUDE)
endif()

# The provider test kit (wbemev/testkit.h), for the tests of the package's users: wbemev::testkit.
if(TARGET wbemev_testkit)
  set_target_properties(wbemev_testkit PROPERTIES EXPORT_NAME testkit)
  install(TARGETS wbemev_testkit EXPORT wbemevTargets
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()

install(EXPORT wbemevTargets NAMESPACE wbemev:: FILE wbemev-targets.cmake
        DESTINATION ${WBEMEV_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wbemev-config.cmake.in
                              ${PROJECT_BINARY_DIR}/wbemev-config.cmake
                              INSTALL_DESTINATION ${WBEMEV_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wbemev-config-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wbemev-config.cmake ${PROJECT_BINARY_DIR}/wbemev-config-version.cmake
              ${PROJECT_SOURCE_DIR}/cmake/WbemevGenerate.cmake # wbemev_generate(), with the installed tool
        DESTINATION ${WBEMEV_INSTALL_CMAKEDIR})

# wbemev.pc, relocatable: paths are relative to the .pc file's own directory (${pcfiledir}), so the
# package works wherever it is installed (cmake --install --prefix included).
set(WBEMEV_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where wbemev.pc is installed, relative to the prefix")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}"
   OR IS_ABSOLUTE "${WBEMEV_INSTALL_PKGCONFIGDIR}")
  set(WBEMEV_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(WBEMEV_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(WBEMEV_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _wbemev_up "/root/${WBEMEV_INSTALL_PKGCONFIGDIR}" "/root")
  string(REGEX REPLACE "/$" "" _wbemev_up "${_wbemev_up}")
  set(WBEMEV_PC_PREFIX "\${pcfiledir}/${_wbemev_up}")
  set(WBEMEV_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(WBEMEV_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(WBEMEV_PC_LIBS_PRIVATE "")
if(NOT WIN32)
  set(WBEMEV_PC_LIBS_PRIVATE "-pthread")
  if(WBEMEV_HAVE_LIBM)
    string(APPEND WBEMEV_PC_LIBS_PRIVATE " -lm")
  endif()
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/wbemev.pc.in ${PROJECT_BINARY_DIR}/wbemev.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wbemev.pc DESTINATION ${WBEMEV_INSTALL_PKGCONFIGDIR})

# wbemev-testkit.pc, next to wbemev.pc, with the same relocatable paths: the kit's library, on top
# of wbemev (Requires). The kit (and wbemev/thread.h, header-only) use the threads library directly:
# -pthread is in Libs, since the kit is usually a static archive.
if(TARGET wbemev_testkit)
  set(WBEMEV_TESTKIT_PC_LIBS "")
  if(NOT WIN32)
    set(WBEMEV_TESTKIT_PC_LIBS "-pthread")
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/wbemev-testkit.pc.in ${PROJECT_BINARY_DIR}/wbemev-testkit.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/wbemev-testkit.pc DESTINATION ${WBEMEV_INSTALL_PKGCONFIGDIR})
endif()
