"""Misuse of the Python package: errors, never a crash or a silent answer.

pytest-style (test_* functions; `pytest tests/python` where pytest is
installed); run as a script by tests/test_python.sh (ctest), which needs no
pytest.  Needs jorge importable (PYTHONPATH=src/python, JORGE_LIBRARY)."""
import os
import sys
import threading
import tracemalloc

import numpy as np

import jorge


def expect(exc, fn, says=""):
    try:
        fn()
    except exc as e:
        assert says in str(e), "%s: message '%s' lacks '%s'" % (fn, e, says)
        return e
    raise AssertionError("%s: no %s raised" % (fn, exc.__name__))


def test_closed_handle_raises():
    J = jorge.Jorge((8, 4))
    J.update(np.ones((8, 4)))
    J.close()
    assert J.closed
    # each of these dereferenced a freed handle (SIGSEGV) before
    expect(ValueError, lambda: J.eps, "closed")
    expect(ValueError, lambda: J.root, "closed")
    expect(ValueError, lambda: J.update(np.ones((8, 4))), "closed")
    J.close()  # idempotent
    with jorge.Jorge((3, 2)) as K:
        K.update(np.ones((3, 2)))
    expect(ValueError, lambda: K.eps, "closed")


def test_bad_option_leaves_nothing_open():
    e = expect(jorge.Error, lambda: jorge.Jorge((4, 4), beta2=2.0), "beta2")
    assert e.status_name == "JG_ERR_ARG"


def test_complex_and_object_refused():
    rng = np.random.default_rng(0)
    g = 0.1 * rng.standard_normal((20, 4, 3))
    for bad in (g + 1j * g, g.astype(object), g.astype(np.complex64)):
        expect(TypeError, lambda: jorge.validate({"w": bad}), "dtype")
        expect(TypeError, lambda: jorge.validate(bad), "dtype")
    J = jorge.Jorge((4, 3))
    expect(TypeError, lambda: J.update(g[0] + 1j * g[0]), "complex")
    expect(TypeError, lambda: J.update(np.array([["a"] * 3] * 4)), "dtype")
    assert J.eps != J.eps  # NaN: nothing was applied (a relative eps is resolved by the first update)
    # integers are real: accepted (converted to float64), same as the float64 array
    gi = np.arange(12).reshape(4, 3) % 5 - 2
    A, B = jorge.Jorge((4, 3)), jorge.Jorge((4, 3))
    A.update(gi)
    B.update(gi.astype(np.float64))
    assert np.array_equal(A.root, B.root)
    for h in (J, A, B):
        h.close()


def test_memory_check_before_copy():
    # a 160 x 64 x 64 float32 stream (2.6 MB; its float32 copy as much again)
    # under JG_MEM_LIMIT=1M: refused by the library's check before NumPy copies
    g = np.zeros((160, 64, 64), dtype=np.float32)
    old = os.environ.get("JG_MEM_LIMIT")
    os.environ["JG_MEM_LIMIT"] = "1M"
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        e = expect(jorge.Error, lambda: jorge.validate({"w": g}), "needs about")
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        assert e.status_name == "JG_ERR_NOMEM", e.status_name
        assert "JG_MEM_LIMIT=1M" in str(e), str(e)
        assert peak < g.nbytes / 4, "%d bytes allocated before the refusal (stream %d)" % (peak, g.nbytes)
    finally:
        if old is None:
            del os.environ["JG_MEM_LIMIT"]
        else:
            os.environ["JG_MEM_LIMIT"] = old


def test_one_jorge_shared_by_threads():
    # 4 threads x 25 updates with the same G on one object: serialised by its
    # lock, the state is that of 100 updates in one thread (bitwise; without
    # the lock interleaved updates differ or fail)
    rng = np.random.default_rng(3)
    G = rng.standard_normal((160, 120))
    shared, alone = jorge.Jorge((160, 120)), jorge.Jorge((160, 120))
    errors = []

    def work():
        try:
            for _ in range(25):
                shared.update(G)
        except Exception as e:  # reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for _ in range(100):
        d = alone.update(G)
    assert not errors, errors
    assert d["step"] == 100
    assert np.array_equal(shared.root, alone.root)
    # different objects in different threads: each as when run alone
    objs = [jorge.Jorge((160, 120)) for _ in range(3)]
    ts = [threading.Thread(target=lambda o=o: [o.update(G) for _ in range(100)]) for o in objs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for o in objs:
        assert np.array_equal(o.root, alone.root)
        o.close()
    shared.close()
    alone.close()


def test_suggestions_as_kwargs():
    assert jorge.suggestion_kwargs("--eps-mode rel --eps 0.1") == {"eps_mode": "rel", "eps": 0.1}
    assert jorge.suggestion_kwargs("--order 3 --no-suggest") == {"order": 3, "no_suggest": True}
    # a failing stream (one column 100x the others, the paper's absolute eps):
    # every suggestion's kwargs are accepted by validate() and Jorge() as they are
    g = np.random.default_rng(1).standard_normal((60, 32, 8))
    g[:, :, 0] *= 100
    rep = jorge.validate({"w": g}, eps_mode="abs", eps=1e-6)
    sugs = rep["layers"][0]["suggestions"]
    assert rep["verdict"] == "FAIL" and sugs, rep["verdict"]
    for sg in sugs:
        jorge.validate({"w": g[:12]}, suggest=False, **sg["kwargs"])
        jorge.Jorge((32, 8), **sg["kwargs"]).close()


def test_one_default_eps():
    # jorge.Jorge, jorge.validate and the command share JG_JORGE_EPS_DEFAULT:
    # relative, 0.1 ||G_1||_F^2 / dim per side
    G = np.random.default_rng(4).standard_normal((5, 3))
    with jorge.Jorge((5, 3)) as J:
        J.update(G)
        assert abs(J.eps - 0.1 * np.sum(G * G) / 5) <= 1e-14 * J.eps, J.eps
    rep = jorge.validate({"w": np.stack([G] * 12)}, suggest=False)
    side = rep["sides"][0]
    assert abs(side["eps"] - 0.1 * np.sum(G * G) / 5) <= 1e-14 * side["eps"], side["eps"]


def main():
    tests = [(k, v) for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
        except Exception as e:  # one line per failure, then go on
            failed += 1
            print("FAIL: %s: %s: %s" % (name, type(e).__name__, e))
    print("%s: %d passed, %d failed" % (os.path.basename(__file__), len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
