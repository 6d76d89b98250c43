"""Find and bind the toolkit's stable C ABI (src/capi/api.h) with ctypes.

The ABI is in the experiments library, libjorgetk_experiments.so, which
loads the numerical library libjorgetk_experiments.so beside it (or from its own
run path).

Only functions and opaque handles cross the boundary: options are set by
name with string values, numbers are read back by name, arrays are passed
as host pointers in the toolkit's (column-major) layout.  No struct layout
is copied here.

The shared library is looked up, first found wins:
  1. $JORGE_LIBRARY (the path of libjorgetk_experiments.so; nothing else is tried);
  2. beside this module: jorge/libjorgetk_experiments.so (`pip install .` puts it
     there);
  3. the build tree, when this package is the source tree's
     src/python/jorge (recognised by <source>/src/capi/api.h):
     <source>/build/libjorgetk_experiments.so;
  4. jorge/libjorgetk_experiments.so under each entry of sys.path (`pip install -e .`:
     the modules come from the source tree, the library from the
     environment's site-packages);
  5. the install prefix: lib/, lib64/, lib/<multiarch>/ of each directory
     above this package (e.g. <prefix>/lib/python3/site-packages/jorge
     finds <prefix>/lib/libjorgetk_experiments.so);
  6. the system loader's search path (LD_LIBRARY_PATH, ld.so.cache).
"""
import ctypes
import ctypes.util
import os
import sys

_c = ctypes
_P = _c.c_void_p
_S = _c.c_char_p
_I64 = _c.c_int64

# jg_status names (src/core/status.h)
STATUS = {0: "JG_OK", -1: "JG_ERR_ARG", -2: "JG_ERR_NOMEM", -3: "JG_ERR_BACKEND", -4: "JG_ERR_NODEVICE",
          -5: "JG_ERR_IO", -6: "JG_ERR_FORMAT", -7: "JG_ERR_INPUT", -8: "JG_ERR_NUMERICAL",
          -9: "JG_ERR_UNSUPPORTED", 1: "JG_WARN_NOT_PSD", 2: "JG_WARN_NOT_CONVERGED",
          3: "JG_WARN_ILL_CONDITIONED", 4: "JG_WARN_SKIPPED"}


class Error(RuntimeError):
    """A failure reported by libjorgetk: .status is the jg_status code
    (negative), .status_name its name, str() the library's one-line message."""

    def __init__(self, status, message):
        self.status = status
        self.status_name = STATUS.get(status, str(status))
        super().__init__(message or self.status_name)


def candidates():
    """The paths tried, in order (see the module's documentation)."""
    env = os.environ.get("JORGE_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, "libjorgetk_experiments.so")]
    source = os.path.normpath(os.path.join(here, os.pardir, os.pardir, os.pardir))
    if os.path.isfile(os.path.join(source, "src", "capi", "api.h")):
        out.append(os.path.join(source, "build", "libjorgetk_experiments.so"))
    for entry in sys.path:
        p = os.path.join(os.path.abspath(entry or os.curdir), "jorge", "libjorgetk_experiments.so")
        if p not in out:
            out.append(p)
    d = here
    for _ in range(8):
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
        for sub in ("lib", "lib64", os.path.join("lib", "x86_64-linux-gnu"),
                    os.path.join("lib", "aarch64-linux-gnu")):
            out.append(os.path.join(d, sub, "libjorgetk_experiments.so"))
    found = ctypes.util.find_library("jorgetk_experiments")
    out.append(found or "libjorgetk_experiments.so")
    return out


def _load():
    tried = []
    for path in candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("jorge: libjorgetk_experiments.so not found; set JORGE_LIBRARY to its path.  Tried: " + "; ".join(tried))


lib, path = _load()


def _blas_check():
    """Warn once when OpenBLAS runs kernels below what the CPU offers
    (src/core/blas_info.h: a CPU newer than the OpenBLAS release gets its generic
    SSE3 kernels, 5x slower).  The kernels are chosen when OpenBLAS loads, so
    the fix is OPENBLAS_CORETYPE in the environment before Python starts."""
    import warnings
    f = getattr(lib, "jg_blas_warning", None)
    if f is None:
        return
    f.restype = ctypes.c_int
    f.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    buf = ctypes.create_string_buffer(512)
    if f(buf, len(buf)) > 0:
        warnings.warn("jorge: " + buf.value.decode("utf-8", "replace") +
                      " (set it before starting Python: the kernels are chosen when OpenBLAS loads)",
                      RuntimeWarning, stacklevel=3)


_blas_check()


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


jg_version = _fn("jg_version", _S)
jg_api_abi_version = _fn("jg_api_abi_version", _c.c_int)
if jg_api_abi_version() < 1:
    raise ImportError("jorge: %s has ABI %d, this package needs 1" % (path, jg_api_abi_version()))

validate_new = _fn("jg_api_validate_new", _c.c_int, _c.POINTER(_P), _S, _c.c_char_p, _c.c_size_t)
validate_set_option = _fn("jg_api_validate_set_option", _c.c_int, _P, _S, _S)
validate_run_arrays = _fn("jg_api_validate_run_arrays", _c.c_int, _P, _c.c_int, _c.POINTER(_S), _c.POINTER(_P),
                          _c.POINTER(_c.c_int), _c.POINTER(_I64))
validate_run_path = _fn("jg_api_validate_run_path", _c.c_int, _P, _S)
validate_verdict = _fn("jg_api_validate_verdict", _c.c_int, _P)
validate_exit_code = _fn("jg_api_validate_exit_code", _c.c_int, _P)
validate_nlayers = _fn("jg_api_validate_nlayers", _c.c_int, _P)
validate_number = _fn("jg_api_validate_number", _c.c_int, _P, _c.c_int, _c.c_int, _S, _c.POINTER(_c.c_double))
validate_text = _fn("jg_api_validate_text", _S, _P)
validate_write_json = _fn("jg_api_validate_write_json", _c.c_int, _P, _S, _S, _S)
validate_message = _fn("jg_api_validate_message", _S, _P)
validate_free = _fn("jg_api_validate_free", None, _c.POINTER(_P))

jorge_new = _fn("jg_api_jorge_new", _c.c_int, _c.POINTER(_P), _S, _c.c_char_p, _c.c_size_t)
jorge_set_option = _fn("jg_api_jorge_set_option", _c.c_int, _P, _S, _S)
jorge_create = _fn("jg_api_jorge_create", _c.c_int, _P, _S, _I64, _I64)
jorge_update = _fn("jg_api_jorge_update", _c.c_int, _P, _P, _c.c_int, _I64, _I64)
jorge_dim = _fn("jg_api_jorge_dim", _I64, _P)
jorge_root = _fn("jg_api_jorge_root", _c.c_int, _P, _c.POINTER(_c.c_double), _I64)
jorge_number = _fn("jg_api_jorge_number", _c.c_int, _P, _S, _c.POINTER(_c.c_double))
if jg_api_abi_version() >= 2:
    jorge_set_root = _fn("jg_api_jorge_set_root", _c.c_int, _P, _c.POINTER(_c.c_double), _I64)
    invroot = _fn("jg_api_invroot", _c.c_int, _c.POINTER(_c.c_double), _I64, _c.c_int, _c.c_double,
                  _c.POINTER(_c.c_double), _c.c_char_p, _c.c_size_t)
jorge_message = _fn("jg_api_jorge_message", _S, _P)
jorge_free = _fn("jg_api_jorge_free", None, _c.POINTER(_P))


# The memory check the commands run before any work (src/core/fileio.h), for
# the copies the package makes itself before calling the library.
ctx_create = _fn("jg_ctx_create", _c.c_int, _c.POINTER(_P), _S, _c.c_char_p, _c.c_size_t)
ctx_destroy = _fn("jg_ctx_destroy", None, _c.POINTER(_P))
ctx_message = _fn("jg_ctx_message", _S, _P)
_mem_check = _fn("jg_mem_check", _c.c_int, _P, _c.c_double, _S)


def mem_check(nbytes, what):
    """Raise Error(JG_ERR_NOMEM, the library's message) when nbytes do not
    fit in the memory available (JG_MEM_LIMIT overrides the detection)."""
    ctx = _P()
    err = _c.create_string_buffer(256)
    st = ctx_create(_c.byref(ctx), b"cpu", err, len(err))
    if st < 0:
        raise Error(st, err.value.decode(errors="replace"))
    try:
        st = _mem_check(ctx, float(nbytes), what.encode())
        if st < 0:
            raise Error(st, ctx_message(ctx).decode(errors="replace"))
    finally:
        ctx_destroy(_c.byref(ctx))


def b(s):
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else str(s).encode()


def option_value(v):
    """An option's value as the command line spells it."""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return repr(v)
    return str(v)
