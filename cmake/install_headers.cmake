# Install-time script (install(CODE) in CMakeLists.txt): the public headers
# into DEST (= <prefix>/include/jorge) in the source tree's layout, their
# includes of each other made relative to the including file
# ("src/core/mat.h" in include/jorge/approx/jorge.h becomes "../src/core/mat.h",
# in include/jorge/src/capi/api.h "../../src/core/mat.h"), so
# that only <prefix>/include is on a user's include path and no header of
# the user's (their own src/core/mat.h) can be found in place of ours.
# Variables: JG_SRC (source tree), JG_GEN (generated jg_config.h), DEST.
include(${JG_SRC}/cmake/public_headers.cmake)
jg_public_headers(${JG_SRC} _headers)
list(APPEND _headers src/core/jg_config.h)
foreach(_h ${_headers})
  if(_h STREQUAL "src/core/jg_config.h")
    file(READ ${JG_GEN} _text)
  else()
    file(READ ${JG_SRC}/${_h} _text)
  endif()
  # one "../" per directory level of the including header (src/core/ is two)
  get_filename_component(_dir ${_h} DIRECTORY)
  string(REGEX REPLACE "[^/]+" ".." _up "${_dir}")
  string(REGEX REPLACE "#include \"((src|reference|approx|experiments)/[^\"]+)\"" "#include \"${_up}/\\1\"" _text "${_text}")
  set(_out ${DEST}/${_h})
  message(STATUS "Installing: ${_out}")
  file(MAKE_DIRECTORY ${DEST}/${_dir})
  file(WRITE ${_out} "${_text}")
endforeach()
# the umbrella header sits in include/jorge/ itself: its includes already
# resolve relative to it
file(READ ${JG_SRC}/src/include/jorge/jorge.h _text)
message(STATUS "Installing: ${DEST}/jorge.h")
file(WRITE ${DEST}/jorge.h "${_text}")
