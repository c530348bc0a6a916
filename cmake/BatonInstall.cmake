# Baton as a library for programs of one's own, installed with `cmake --install` (component dev,
# the baton-dev package):
#   include/baton/*.h                       the public API, nothing else of Baton's sources
#   LIBDIR/libbaton-server.a                Baton::Server       (Qt Core + Network)
#   LIBDIR/libbaton-llhttp.a                the HTTP parser libbaton-server.a needs (Baton::llhttp)
#   LIBDIR/libbaton-application.a           Baton::Application  (links Baton::Server)
#   LIBDIR/libbaton-widgets.a               Baton::Widgets      (the panel linked in; Qt Widgets)
#   LIBDIR/cmake/Baton/                     BatonConfig.cmake, BatonConfigVersion.cmake, the targets
#   LIBDIR/pkgconfig/baton-server.pc, baton-application.pc, baton-widgets.pc
# Baton::Widgets is in an export set of its own (BatonWidgetsTargets), loaded only when the
# Widgets component is asked for, so that Server and Application need no Qt Widgets package.
include(CMakePackageConfigHelpers)

set(BATON_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Baton)

# llhttp is Baton's own build of Debian's node-llhttp sources (cmake/Llhttp.cmake): installed
# under a name of Baton's, and with nothing but its archive in the export. Its header and its
# strict-mode define are for Baton's sources; no public header includes llhttp.h.
set_target_properties(llhttp PROPERTIES
    OUTPUT_NAME baton-llhttp
    EXPORT_NAME llhttp
    INTERFACE_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${LLHTTP_INCLUDE_DIR}>"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "$<BUILD_INTERFACE:${LLHTTP_INCLUDE_DIR}>"
    INTERFACE_COMPILE_DEFINITIONS "$<BUILD_INTERFACE:LLHTTP_STRICT_MODE=1>")

install(TARGETS llhttp baton_server baton_application EXPORT BatonTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES
    include/baton/application.h include/baton/request.h include/baton/responder.h
    include/baton/response.h include/baton/router.h include/baton/server.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/baton COMPONENT dev)
install(EXPORT BatonTargets NAMESPACE Baton:: DESTINATION ${BATON_CMAKE_INSTALL_DIR}
    COMPONENT dev)

set(BATON_CONFIG_WIDGETS "")
if(TARGET baton_widgets)
    set(BATON_CONFIG_WIDGETS Widgets)
    install(TARGETS baton_widgets EXPORT BatonWidgetsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
    install(EXPORT BatonWidgetsTargets NAMESPACE Baton:: DESTINATION ${BATON_CMAKE_INSTALL_DIR}
        COMPONENT dev)
endif()

# The lowest Qt Baton builds with (the root CMakeLists.txt's find_package).
set(BATON_QT_MIN_VERSION 6.4)
configure_package_config_file(cmake/BatonConfig.cmake.in
    ${PROJECT_BINARY_DIR}/cmake/BatonConfig.cmake
    INSTALL_DESTINATION ${BATON_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/BatonConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/BatonConfig.cmake
    ${PROJECT_BINARY_DIR}/cmake/BatonConfigVersion.cmake
    DESTINATION ${BATON_CMAKE_INSTALL_DIR} COMPONENT dev)

# pkg-config: relocatable (prefix from the .pc file's own place), so a `cmake --install --prefix`
# anywhere, DESTDIR and the package all work. Static archives: each file lists its own libraries
# and Requires: the ones below it, so that `pkg-config --libs` puts them in link order.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
    message(FATAL_ERROR "BatonInstall.cmake: CMAKE_INSTALL_LIBDIR must be relative to the prefix")
endif()
file(RELATIVE_PATH BATON_PC_PREFIX_FROM_PCFILEDIR
    /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" BATON_PC_PREFIX_FROM_PCFILEDIR "${BATON_PC_PREFIX_FROM_PCFILEDIR}")
set(BATON_PC_DL_LIBS "")
foreach(lib IN LISTS CMAKE_DL_LIBS)
    string(APPEND BATON_PC_DL_LIBS " -l${lib}")
endforeach()
string(STRIP "${BATON_PC_DL_LIBS}" BATON_PC_DL_LIBS)
set(baton_pc_files baton-server baton-application)
if(TARGET baton_widgets)
    list(APPEND baton_pc_files baton-widgets)
endif()
foreach(pc IN LISTS baton_pc_files)
    configure_file(cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endforeach()
