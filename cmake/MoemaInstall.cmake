# `cmake --install build --prefix P`: programs in P/bin, the libraries and
# headers as the CMake package MoemaTestbed (P/lib/cmake/MoemaTestbed), the
# shipped weights, images and flowgraphs in P/share/moema, gr-moema (its
# Python package, bindings and GRC YAML) under P as gr-moema/CMakeLists.txt
# says. Installed programs find P/share/moema by themselves (common/paths.hpp).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/weights/ DESTINATION ${CMAKE_INSTALL_DATADIR}/moema/weights COMPONENT data)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/jscc/weights/ DESTINATION ${CMAKE_INSTALL_DATADIR}/moema/jscc-weights COMPONENT data)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/jscc/images/kodak/ DESTINATION ${CMAKE_INSTALL_DATADIR}/moema/images/kodak COMPONENT data)
# The marker by which an installed binary knows its share folder.
file(WRITE ${PROJECT_BINARY_DIR}/installed.json.in
  "{\"project\": \"moema_testbed\", \"version\": \"@PROJECT_VERSION@\", \"commit\": \"@MOEMA_SOURCE_COMMIT@\"}\n")
configure_file(${PROJECT_BINARY_DIR}/installed.json.in ${PROJECT_BINARY_DIR}/installed.json @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/installed.json DESTINATION ${CMAKE_INSTALL_DATADIR}/moema COMPONENT data)

get_property(_libraries GLOBAL PROPERTY MOEMA_LIBRARIES)
install(TARGETS ${_libraries} EXPORT MoemaTestbedTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT MoemaTestbedTargets NAMESPACE moema:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/MoemaTestbed
        COMPONENT devel)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/MoemaTestbedConfig.cmake.in
  ${PROJECT_BINARY_DIR}/MoemaTestbedConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/MoemaTestbed)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/MoemaTestbedConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/MoemaTestbedConfig.cmake ${PROJECT_BINARY_DIR}/MoemaTestbedConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/MoemaTestbed COMPONENT devel)
