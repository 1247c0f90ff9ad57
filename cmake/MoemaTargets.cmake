# Helpers that give every library, program and test of the testbed the same
# warnings, the same precompiled headers and the same test registration.

set(MOEMA_WARNINGS -Wall -Wextra)

# moema_library(NAME SOURCES ... [DEPENDS ...] [PRIVATE_DEPENDS ...] [TORCH])
# A static library whose public include root is <folder>/include. TORCH: it
# includes LibTorch, so it shares the one precompiled <torch/torch.h>.
function(moema_library name)
  cmake_parse_arguments(ARG "TORCH" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  add_library(moema::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
  target_compile_options(${name} PRIVATE ${MOEMA_WARNINGS})
  moema_use_pch(${name} ${ARG_TORCH})
  set_property(GLOBAL APPEND PROPERTY MOEMA_LIBRARIES ${name})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT devel)
endfunction()

# moema_program(NAME SOURCES ... DEPENDS ... [TORCH]): an installed program.
function(moema_program name)
  cmake_parse_arguments(ARG "TORCH" "" "SOURCES;DEPENDS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPENDS} CLI11::CLI11)
  target_compile_options(${name} PRIVATE ${MOEMA_WARNINGS})
  moema_use_pch(${name} ${ARG_TORCH})
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT programs)
endfunction()

# moema_gtest(NAME SOURCES ... DEPENDS ... [TORCH]): a GoogleTest program whose
# tests ctest discovers one by one, labelled "unit".
function(moema_gtest name)
  cmake_parse_arguments(ARG "TORCH" "" "SOURCES;DEPENDS" ${ARGN})
  if(NOT MOEMA_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE ${ARG_DEPENDS} GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${MOEMA_WARNINGS})
  moema_use_pch(${name} ${ARG_TORCH})
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# moema_script_test(NAME SCRIPT LABELS ... [TIMEOUT s] [ENVIRONMENT ...]):
# an end-to-end test in Debian's Python, run against the build tree.
function(moema_script_test name script)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LABELS;ENVIRONMENT" ${ARGN})
  if(NOT MOEMA_BUILD_TESTS)
    return()
  endif()
  add_test(NAME ${name} COMMAND ${MOEMA_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/${script})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 900)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                                          ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()

# One precompiled header for all LibTorch code (torch/torch.h costs about
# 20 s a file) and one for the Eigen-only code, each built once and reused by
# every target. GCC accepts a precompiled header only with the same
# position-independence flag, so programs compile with -fPIC like the
# libraries (PIC code links into Debian's default PIE programs as it is).
function(moema_use_pch target torch)
  if(NOT MOEMA_PRECOMPILED_HEADERS)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  if(torch)
    target_precompile_headers(${target} REUSE_FROM moema_pch_torch)
  else()
    target_precompile_headers(${target} REUSE_FROM moema_pch_eigen)
  endif()
endfunction()

# An object library that only builds the precompiled header.
function(moema_pch name)
  cmake_parse_arguments(ARG "" "" "HEADERS;LIBRARIES" ${ARGN})
  set(pch_source ${PROJECT_BINARY_DIR}/moema_pch.cpp)
  if(NOT EXISTS ${pch_source})
    file(WRITE ${pch_source} "// The translation unit that builds the shared precompiled headers.\n")
  endif()
  add_library(${name} OBJECT ${pch_source})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  target_compile_options(${name} PRIVATE ${MOEMA_WARNINGS})
  target_precompile_headers(${name} PRIVATE ${ARG_HEADERS})
endfunction()

function(moema_define_pch)
  if(NOT MOEMA_PRECOMPILED_HEADERS)
    return()
  endif()
  set(common_headers <Eigen/Dense> <nlohmann/json.hpp> <complex> <map> <memory> <random> <string> <vector>)
  moema_pch(moema_pch_eigen HEADERS ${common_headers} LIBRARIES Eigen3::Eigen nlohmann_json::nlohmann_json)
  if(MOEMA_WITH_TORCH)
    moema_pch(moema_pch_torch HEADERS <torch/torch.h> ${common_headers}
              LIBRARIES Eigen3::Eigen nlohmann_json::nlohmann_json ${TORCH_LIBRARIES})
  endif()
endfunction()
