# llhttp: the generated C parser shipped by Debian's node-llhttp, built as a small static library.
set(LLHTTP_SOURCE_DIR "/usr/share/llhttp" CACHE PATH "Directory holding llhttp.c, api.c and http.c")
set(LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "Directory holding llhttp.h")

foreach(file llhttp.c api.c http.c)
    if(NOT EXISTS "${LLHTTP_SOURCE_DIR}/${file}")
        message(FATAL_ERROR
            "llhttp source ${LLHTTP_SOURCE_DIR}/${file} not found. "
            "Install Debian's node-llhttp (scripts/install-deps does) or set LLHTTP_SOURCE_DIR.")
    endif()
endforeach()
if(NOT EXISTS "${LLHTTP_INCLUDE_DIR}/llhttp.h")
    message(FATAL_ERROR
        "llhttp.h not found in ${LLHTTP_INCLUDE_DIR}. "
        "Install Debian's node-llhttp (scripts/install-deps does) or set LLHTTP_INCLUDE_DIR.")
endif()

add_library(llhttp STATIC
    "${LLHTTP_SOURCE_DIR}/llhttp.c"
    "${LLHTTP_SOURCE_DIR}/api.c"
    "${LLHTTP_SOURCE_DIR}/http.c")
target_include_directories(llhttp SYSTEM PUBLIC "${LLHTTP_INCLUDE_DIR}")
set_target_properties(llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
# Strict mode rejects what RFC 9112 forbids and the lenient default lets through, such as
# whitespace between a field name and its colon and chunk data not followed by CRLF: both are
# request-smuggling vectors when another hop reads them differently.
target_compile_definitions(llhttp PUBLIC LLHTTP_STRICT_MODE=1)
# Generated third-party code: keep its warnings out of our -Werror build.
target_compile_options(llhttp PRIVATE -w -O2)
