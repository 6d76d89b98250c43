# jg_public_headers(SRC OUT): the installed (public) headers of libjorgetk,
# relative to the source tree SRC, sorted.  One list for three uses: the
# headers installed under include/jorge/ (cmake/install_headers.cmake), the
# symbols the shared library exports (cmake/gen_exports.cmake) and the
# configure-time dependencies of that export list.  The command line's
# headers (src/cli/), the CUDA kernels' and the internals named below are
# private; of experiments/ only validate.h, compare.h and bench.h are public.
function(jg_public_headers SRC OUT)
  file(GLOB _h RELATIVE ${SRC} ${SRC}/src/core/*.h ${SRC}/src/capi/*.h ${SRC}/reference/*.h ${SRC}/approx/*.h)
  list(REMOVE_ITEM _h src/core/context_impl.h src/core/backend_check.h)
  list(APPEND _h experiments/validate.h experiments/compare.h experiments/bench.h)
  list(SORT _h)
  set(${OUT} ${_h} PARENT_SCOPE)
endfunction()
# jg_public_headers_of(SRC LIBSET OUT): those of one library: "numerics"
# (libjorgetk: src/core/, reference/, approx/) or "experiments"
# (libjorgetk_experiments: experiments/, src/capi/).
function(jg_public_headers_of SRC LIBSET OUT)
  jg_public_headers(${SRC} _all)
  set(_h "")
  foreach(_x ${_all})
    if(_x MATCHES "^(experiments|src/capi)/")
      set(_set experiments)
    else()
      set(_set numerics)
    endif()
    if(_set STREQUAL LIBSET)
      list(APPEND _h ${_x})
    endif()
  endforeach()
  set(${OUT} ${_h} PARENT_SCOPE)
endfunction()
