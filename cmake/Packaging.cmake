# `make package`: Debian packages from this build with CPack (cpack -G DEB in the build directory).
#   baton      the server: bin/baton (Qt Core and Network only), man page, systemd units, README
#   baton-gui  the control panel: lib/baton/baton-panel.so, desktop entry, AppStream metainfo,
#              icons; needs exactly this version of baton, whose symbols the panel binds to
#   baton-dev  Baton as a library (cmake/BatonInstall.cmake): include/baton/, the static
#              libraries, the CMake package (find_package(Baton)) and the pkg-config files
# Depends come from dpkg-shlibdeps (dpkg-dev), so a headless host pulls no desktop library.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME baton)
set(CPACK_PACKAGE_VENDOR Baton)
set(CPACK_PACKAGE_CONTACT "Baton maintainers <maintainers@baton.invalid>")
# Placeholder until the project has a public home.
set(CPACK_PACKAGE_HOMEPAGE_URL "https://baton.invalid/")
# Each package's own first line (below), not the project's description in front of both.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# /usr for every install script: the systemd units go to /lib/systemd/system for that prefix
# (packaging/install-systemd-units.cmake.in), through DESTDIR into the package's tree.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME baton)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "HTTP/1.1 server that restarts without dropping a request
Baton shuts down gracefully and restarts without dropping a single request: a restart (SIGHUP,
or systemctl reload) hands the listening sockets and every open connection to the new process,
or to a new server generation in the same process. It speaks sd_notify and socket activation,
has a lame-duck mode for load balancers, an admin listener for /metrics, /healthz and /readyz,
and serves static files.
.
This package is the server alone: it needs no graphical libraries. The control panel is in
baton-gui.")
set(CPACK_COMPONENTS_ALL server)
if(BATON_GUI)
    list(APPEND CPACK_COMPONENTS_ALL gui)
    set(CPACK_DEBIAN_GUI_PACKAGE_NAME baton-gui)
    set(CPACK_DEBIAN_GUI_PACKAGE_SECTION net)
    # The panel binds to the executable's own symbols: only the baton it was built with fits.
    set(CPACK_COMPONENT_GUI_DEPENDS server)
    set(CPACK_COMPONENT_GUI_DESCRIPTION
        "control panel for the Baton HTTP server
A Qt Widgets window that baton opens when it runs on a desktop: the server's state,
generation and request rate, a table of open connections and what each is doing, a chart of
the last five minutes, and Restart, Shutdown and Force kill with the drain's progress. Without
this package, or without a display, baton serves headless.")
endif()

list(APPEND CPACK_COMPONENTS_ALL dev)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME baton-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# Static archives and headers only: nothing for dpkg-shlibdeps. A program built on them needs Qt's
# development files (Core, Network, and Widgets for Baton::Widgets: all in qt6-base-dev).
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "qt6-base-dev (>= 6.4)")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "Baton HTTP/1.1 server as a library: headers, static libraries, CMake and pkg-config files
Build your own service on Baton's public API (include/baton/): baton::Server, Router, Request
and Responder (Qt Core and Network), and baton::Application, which adds the command line, Unix
signals and graceful restarts that hand open connections to a new process. Use
find_package(Baton COMPONENTS Application) and link Baton::Application, or pkg-config
baton-application; Baton::Widgets (baton-widgets) links the control panel into the program.")
include(CPack)
