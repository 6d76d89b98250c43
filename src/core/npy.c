/* npy.c - NumPy .npy reading and atomic writing (format: numpy.lib.format,
 * NEP 1).  The file reader and jg_npy_parse_buffer share one header parser
 * and one data decoder, so the fuzzer exercises the same code as users. */
#include "src/core/npy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "src/core/context.h"
#include "src/core/fileio.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host ('<f4'/'<f8' are read as stored)"
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
/* Largest dimension of a matrix (BLAS int), as in jg_mat_alloc. */
#define NPY_MAX_DIM ((int64_t)2147483647)
/* Most dimensions we count in a shape tuple before giving up. */
#define NPY_MAX_PARSE_DIMS 64

typedef struct {
    int major, minor;
    size_t data_offset; /* bytes before the data                     */
    jg_dtype dtype;
    int fortran;
    int ndim;
    int64_t shape[3];
    uint64_t count;      /* number of elements                        */
    uint64_t data_bytes; /* count * element size                      */
} npy_header;

/* ------------------------------------------------------------------ helpers */

/* Copy at most 40 bytes of s[0..n) into buf as printable ASCII, escaping the
 * rest as \xHH, so that file contents never break the one-line message. */
static const char *printable(char *buf, size_t size, const unsigned char *s, size_t n)
{
    size_t o = 0, lim = n > 40 ? 40 : n;
    for (size_t i = 0; i < lim && o + 5 < size; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    }
    if (lim < n && o + 4 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

/* "(3, 4)" or "(5,)" */
static const char *shape_str(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, size - o, "(");
    for (int d = 0; d < ndim && o < size; d++)
        o += (size_t)snprintf(buf + o, size - o, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (o < size) snprintf(buf + o, size - o, ndim == 1 ? ",)" : ")");
    return buf;
}

static const char *dtype_long(jg_dtype t) { return t == JG_F32 ? "float32" : "float64"; }

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------------ prefix */

/* Parse magic, version and header length from the first n bytes of a file
 * of file_size bytes.  Sets h->major/minor/data_offset and the header text
 * position *hstart, length *hlen.  Needs n >= min(file_size, 12). */
static jg_status parse_prefix(jg_ctx *ctx, const char *name, const unsigned char *p, size_t n,
                              uint64_t file_size, npy_header *h, size_t *hstart, size_t *hlen)
{
    char b[200];
    // magic
    if (file_size == 0)
        return jg_error(ctx, JG_ERR_FORMAT, "%s: file is empty (0 bytes), not a .npy file", name);
    size_t m = n < NPY_MAGIC_LEN ? n : NPY_MAGIC_LEN;
    if (memcmp(p, NPY_MAGIC, m) != 0)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: not a .npy file (starts with \"%s\", expected \"\\x93NUMPY\")", name,
                        printable(b, sizeof b, p, n < 8 ? n : 8));
    if (n < 8)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: truncated .npy file (%zu bytes, shorter than the 8-byte magic and version)",
                        name, n);
    // version
    h->major = p[6];
    h->minor = p[7];
    if (!((h->major == 1 || h->major == 2 || h->major == 3) && h->minor == 0))
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: unsupported .npy version %d.%d (1.0, 2.0 and 3.0 are supported)", name,
                        h->major, h->minor);
    // header length
    size_t lenbytes = h->major == 1 ? 2 : 4;
    if (n < 8 + lenbytes)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: truncated .npy file (%zu bytes, the version %d.0 prefix needs %zu)", name,
                        n, h->major, 8 + lenbytes);
    uint32_t len = lenbytes == 2 ? le16(p + 8) : le32(p + 8);
    if (len > JG_NPY_MAX_HEADER)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: header length %lu exceeds the limit of %lu bytes", name,
                        (unsigned long)len, (unsigned long)JG_NPY_MAX_HEADER);
    *hstart = 8 + lenbytes;
    *hlen = len;
    if ((uint64_t)*hstart + len > file_size)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: header of %lu bytes runs past the end of the file (%llu bytes)", name,
                        (unsigned long)len, (unsigned long long)file_size);
    h->data_offset = *hstart + len;
    return JG_OK;
}

/* ------------------------------------------------------------------ header dict */

typedef struct {
    const unsigned char *s;
    size_t n, i;
    jg_ctx *ctx;
    const char *name;
} lexer;

static void skip_ws(lexer *L)
{
    while (L->i < L->n && (L->s[L->i] == ' ' || L->s[L->i] == '\t' || L->s[L->i] == '\n' ||
                           L->s[L->i] == '\r'))
        L->i++;
}

static jg_status malformed(lexer *L, const char *what)
{
    char b[200];
    size_t rest = L->n - L->i;
    if (L->i >= L->n)
        return jg_error(L->ctx, JG_ERR_FORMAT, "%s: malformed header: %s at end of header", L->name,
                        what);
    return jg_error(L->ctx, JG_ERR_FORMAT, "%s: malformed header: %s at offset %zu (\"%s\")",
                    L->name, what, L->i, printable(b, sizeof b, L->s + L->i, rest > 16 ? 16 : rest));
}

/* Peek after whitespace; -1 at the end. */
static int peek(lexer *L)
{
    skip_ws(L);
    return L->i < L->n ? L->s[L->i] : -1;
}

static jg_status expect(lexer *L, char c, const char *what)
{
    if (peek(L) != c) return malformed(L, what);
    L->i++;
    return JG_OK;
}

/* A quoted Python string without escapes: sets *str, *len (not copied). */
static jg_status lex_string(lexer *L, const unsigned char **str, size_t *len, const char *what)
{
    int q = peek(L);
    if (q != '\'' && q != '"') return malformed(L, what);
    size_t start = ++L->i;
    while (L->i < L->n && L->s[L->i] != q) {
        if (L->s[L->i] == '\\' || L->s[L->i] == '\n')
            return malformed(L, "escape or newline inside a string is not supported");
        L->i++;
    }
    if (L->i >= L->n) return malformed(L, "unterminated string");
    *str = L->s + start;
    *len = L->i - start;
    L->i++;
    return JG_OK;
}

static int match_word(lexer *L, const char *w)
{
    size_t k = strlen(w);
    if (L->n - L->i < k || memcmp(L->s + L->i, w, k) != 0) return 0;
    /* the word must end there */
    if (L->i + k < L->n) {
        unsigned char c = L->s[L->i + k];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
            return 0;
    }
    L->i += k;
    return 1;
}

/* Explain an unsupported descr (a str value) in words. */
static jg_status check_descr(jg_ctx *ctx, const char *name, const unsigned char *d, size_t n,
                             jg_dtype *out)
{
    char b[200], what[120];
    if (n == 3 && memcmp(d, "<f4", 3) == 0) {
        *out = JG_F32;
        return JG_OK;
    }
    if (n == 3 && memcmp(d, "<f8", 3) == 0) {
        *out = JG_F64;
        return JG_OK;
    }
    printable(b, sizeof b, d, n);
    // describe it
    size_t i = 0;
    char order = 0;
    if (n > 0 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) order = (char)d[i++];
    char kind = i < n ? (char)d[i++] : 0;
    long size = 0;
    int digits = 0;
    while (i < n && d[i] >= '0' && d[i] <= '9' && size < 100000) size = size * 10 + (d[i++] - '0'), digits++;
    int clean = i == n && digits > 0;
    const char *kname = NULL;
    switch (kind) {
    case 'f': kname = "float"; break;
    case 'i': kname = "int"; break;
    case 'u': kname = "uint"; break;
    case 'c': kname = "complex"; break;
    case 'b': kname = "bool"; break;
    case '?': kname = "bool"; break;
    case 'S': case 'a': kname = "bytes"; break;
    case 'U': kname = "unicode string"; break;
    case 'O': kname = "object"; break;
    case 'V': kname = "void/structured"; break;
    case 'M': kname = "datetime64"; break;
    case 'm': kname = "timedelta64"; break;
    default: break;
    }
    if (kname && (clean || kind == 'O' || kind == '?')) {
        int numeric = kind == 'f' || kind == 'i' || kind == 'u' || kind == 'c';
        if (numeric)
            snprintf(what, sizeof what, "%s%s%ld", order == '>' ? "big-endian " : "", kname,
                     size * 8);
        else
            snprintf(what, sizeof what, "%s", kname);
        if (kind == 'f' && order == '>' && (size == 4 || size == 8))
            return jg_error(ctx, JG_ERR_FORMAT,
                            "%s: big-endian %s is not supported (descr '%s'; convert with "
                            "a.astype('<f%ld'))", name, what + strlen("big-endian "), b, size);
        if (kind == 'f' && (size == 4 || size == 8))
            return jg_error(ctx, JG_ERR_FORMAT,
                            "%s: dtype '%s' is not supported (write float%ld as '<f%ld')", name, b,
                            size * 8, size);
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: %s dtype '%s' is not supported (only '<f4' float32 and '<f8' float64)",
                        name, what, b);
    }
    return jg_error(ctx, JG_ERR_FORMAT,
                    "%s: dtype '%s' is not supported (only '<f4' float32 and '<f8' float64)", name, b);
}

/* Parse the header dict text into h (dtype, fortran, ndim, shape). */
static jg_status parse_dict(jg_ctx *ctx, const char *name, const unsigned char *s, size_t n,
                            npy_header *h)
{
    lexer L = {s, n, 0, ctx, name};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    const unsigned char *descr = NULL;
    size_t descr_len = 0;
    int descr_is_list = 0, ndim_total = 0;
    char b[200];

    if (peek(&L) != '{') return malformed(&L, "not a dict: expected '{'");
    L.i++;
    for (;;) {
        // key or the closing brace (a trailing comma is allowed)
        if (peek(&L) == '}') {
            L.i++;
            break;
        }
        const unsigned char *key;
        size_t klen;
        JG_CHECK(ctx, lex_string(&L, &key, &klen, "expected a quoted key or '}'"));
        JG_CHECK(ctx, expect(&L, ':', "expected ':' after a key"));
        int *seen = NULL;
        if (klen == 5 && memcmp(key, "descr", 5) == 0)
            seen = &have_descr;
        else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0)
            seen = &have_fortran;
        else if (klen == 5 && memcmp(key, "shape", 5) == 0)
            seen = &have_shape;
        else
            return jg_error(ctx, JG_ERR_FORMAT, "%s: malformed header: unexpected key '%s'", name,
                            printable(b, sizeof b, key, klen));
        if (*seen)
            return jg_error(ctx, JG_ERR_FORMAT, "%s: malformed header: duplicate key '%s'", name,
                            printable(b, sizeof b, key, klen));
        *seen = 1;
        // value
        if (seen == &have_descr) {
            if (peek(&L) == '[') {
                /* a structured dtype: a list of fields; we only need to know
                 * that it is one, so reject right away */
                descr_is_list = 1;
                break;
            }
            JG_CHECK(ctx, lex_string(&L, &descr, &descr_len, "expected a quoted dtype for 'descr'"));
        } else if (seen == &have_fortran) {
            skip_ws(&L);
            if (match_word(&L, "True"))
                h->fortran = 1;
            else if (match_word(&L, "False"))
                h->fortran = 0;
            else
                return malformed(&L, "'fortran_order' must be True or False");
        } else {
            JG_CHECK(ctx, expect(&L, '(', "'shape' must be a tuple"));
            int commas = 0;
            for (;;) {
                int c = peek(&L);
                if (c == ')') {
                    L.i++;
                    break;
                }
                if (c < '0' || c > '9') return malformed(&L, "expected a non-negative integer in 'shape'");
                uint64_t v = 0;
                while (L.i < L.n && L.s[L.i] >= '0' && L.s[L.i] <= '9') {
                    v = v * 10 + (uint64_t)(L.s[L.i++] - '0');
                    if (v > (uint64_t)INT64_MAX)
                        return jg_error(ctx, JG_ERR_FORMAT,
                                        "%s: shape dimension %d does not fit in 64 bits", name,
                                        ndim_total);
                }
                if (L.i < L.n && (L.s[L.i] == 'L' || L.s[L.i] == 'l')) L.i++; /* Python 2 long */
                if (ndim_total < 3) h->shape[ndim_total] = (int64_t)v;
                if (++ndim_total > NPY_MAX_PARSE_DIMS)
                    return jg_error(ctx, JG_ERR_FORMAT,
                                    "%s: shape has more than %d dimensions", name, NPY_MAX_PARSE_DIMS);
                c = peek(&L);
                if (c == ',') {
                    L.i++;
                    commas++;
                } else if (c != ')')
                    return malformed(&L, "expected ',' or ')' in 'shape'");
            }
            if (ndim_total == 1 && commas == 0)
                return jg_error(ctx, JG_ERR_FORMAT,
                                "%s: malformed header: 'shape' (%lld) is not a tuple (write (%lld,))",
                                name, (long long)h->shape[0], (long long)h->shape[0]);
        }
        // separator
        int c = peek(&L);
        if (c == ',') {
            L.i++;
            continue;
        }
        if (c == '}') {
            L.i++;
            break;
        }
        return malformed(&L, "expected ',' or '}' after a value");
    }
    if (descr_is_list)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: structured dtype (a list of fields) is not supported (only '<f4' and '<f8')",
                        name);
    // trailing padding: whitespace only
    skip_ws(&L);
    if (L.i < L.n) {
        /* NumPy's padding is spaces and a newline; tolerate NULs some writers used */
        for (size_t k = L.i; k < L.n; k++)
            if (L.s[k] != '\0') {
                L.i = k;
                return malformed(&L, "unexpected text after the dict");
            }
    }
    if (!have_descr) return jg_error(ctx, JG_ERR_FORMAT, "%s: malformed header: no 'descr' key", name);
    if (!have_fortran)
        return jg_error(ctx, JG_ERR_FORMAT, "%s: malformed header: no 'fortran_order' key", name);
    if (!have_shape) return jg_error(ctx, JG_ERR_FORMAT, "%s: malformed header: no 'shape' key", name);
    JG_CHECK(ctx, check_descr(ctx, name, descr, descr_len, &h->dtype));
    if (ndim_total == 0)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: 0-D array (a scalar) is not supported: need 1-D, 2-D or 3-D", name);
    if (ndim_total > 3)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: %d-D array is not supported: need 1-D, 2-D or 3-D (a convolution "
                        "gradient T x out x in x kh x kw: reshape it to T x out x (in*kh*kw), e.g. "
                        "g.reshape(g.shape[0], g.shape[1], -1))", name, ndim_total);
    h->ndim = ndim_total;
    return JG_OK;
}

/* Element count and byte count of the shape, with overflow and matrix-size
 * checks; then compare with the data bytes actually present. */
static jg_status check_size(jg_ctx *ctx, const char *name, npy_header *h, uint64_t avail)
{
    char sb[120];
    shape_str(sb, sizeof sb, h->ndim, h->shape);
    uint64_t es = jg_dtype_size(h->dtype), count = 1;
    int zero = 0;
    for (int d = 0; d < h->ndim; d++) zero |= h->shape[d] == 0;
    for (int d = 0; d < h->ndim; d++) {
        uint64_t v = (uint64_t)h->shape[d];
        if (!zero && v != 0 && count > (uint64_t)INT64_MAX / es / v)
            return jg_error(ctx, JG_ERR_FORMAT,
                            "%s: shape %s of %s overflows: its byte count exceeds 2^63", name, sb,
                            dtype_long(h->dtype));
        count *= v;
    }
    h->count = count;
    h->data_bytes = count * es;
    if (h->data_bytes != avail)
        return jg_error(ctx, JG_ERR_FORMAT,
                        "%s: shape %s of %s needs %llu data bytes but the file has %llu (%s)", name,
                        sb, dtype_long(h->dtype), (unsigned long long)h->data_bytes,
                        (unsigned long long)avail,
                        avail < h->data_bytes ? "truncated" : "trailing bytes");
    /* each matrix must be addressable by BLAS */
    int64_t rows = h->ndim == 3 ? h->shape[1] : h->shape[0];
    int64_t cols = h->ndim == 1 ? 1 : h->shape[h->ndim - 1];
    if (rows > NPY_MAX_DIM || cols > NPY_MAX_DIM || (h->ndim == 3 && h->shape[0] > NPY_MAX_DIM))
        return jg_error(ctx, JG_ERR_FORMAT, "%s: shape %s has a dimension above 2^31-1", name, sb);
    if (h->data_bytes > (uint64_t)SIZE_MAX - NPY_ALIGN)
        return jg_error(ctx, JG_ERR_FORMAT, "%s: shape %s is too large for this machine", name, sb);
    return JG_OK;
}

static jg_status parse_header(jg_ctx *ctx, const char *name, const unsigned char *p, size_t n,
                              uint64_t file_size, npy_header *h)
{
    size_t hstart = 0, hlen = 0;
    memset(h, 0, sizeof *h);
    JG_CHECK(ctx, parse_prefix(ctx, name, p, n, file_size, h, &hstart, &hlen));
    if (n < hstart + hlen) return jg_error(ctx, JG_ERR_ARG, "%s: internal: short header buffer", name);
    JG_CHECK(ctx, parse_dict(ctx, name, p + hstart, hlen, h));
    JG_CHECK(ctx, check_size(ctx, name, h, file_size - h->data_offset));
    return JG_OK;
}

/* ------------------------------------------------------------------ data */

/* 1 when the file order equals the toolkit's memory layout. */
static int layout_is_direct(const npy_header *h)
{
    return h->ndim == 1 || (h->ndim == 2 && h->fortran) ||
           (h->ndim == 3 && h->fortran && h->shape[0] == 1);
}

/* Index of the first non-finite value of raw little-endian data in file
 * order, or -1. */
static int64_t first_nonfinite(const unsigned char *src, uint64_t count, jg_dtype t, double *val)
{
    for (uint64_t k = 0; k < count; k++) {
        double v;
        if (t == JG_F32) {
            float f;
            memcpy(&f, src + k * 4, 4);
            v = f;
        } else {
            memcpy(&v, src + k * 8, 8);
        }
        if (!isfinite(v)) {
            *val = v;
            return (int64_t)k;
        }
    }
    return -1;
}

static jg_status report_nonfinite(jg_ctx *ctx, const char *name, const npy_header *h, int64_t k,
                                  double v)
{
    // unravel k, the file-order position, into a NumPy index
    int64_t idx[3] = {0, 0, 0}, r = k;
    if (h->fortran)
        for (int d = 0; d < h->ndim; d++) {
            idx[d] = h->shape[d] ? r % h->shape[d] : 0;
            r = h->shape[d] ? r / h->shape[d] : 0;
        }
    else
        for (int d = h->ndim - 1; d >= 0; d--) {
            idx[d] = h->shape[d] ? r % h->shape[d] : 0;
            r = h->shape[d] ? r / h->shape[d] : 0;
        }
    char ib[120];
    shape_str(ib, sizeof ib, h->ndim, idx);
    if (h->ndim == 1) { /* "(5,)" -> "(5)" */
        size_t l = strlen(ib);
        ib[l - 2] = ')';
        ib[l - 1] = '\0';
    }
    return jg_error(ctx, JG_ERR_INPUT,
                    "%s: non-finite value %s at index %s (element %lld in file order)", name,
                    isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf", ib, (long long)k);
}

static inline void copy_elem(unsigned char *dst, const unsigned char *src, size_t es)
{
    if (es == 4)
        memcpy(dst, src, 4);
    else
        memcpy(dst, src, 8);
}

/* Rearrange file-order data src into the toolkit layout dst. */
static void rearrange(const npy_header *h, const unsigned char *src, unsigned char *dst)
{
    size_t es = jg_dtype_size(h->dtype);
    if (h->ndim == 2) { /* C order (r, c): k = i*c + j -> i + j*r */
        size_t r = (size_t)h->shape[0], c = (size_t)h->shape[1];
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) copy_elem(dst + (i + j * r) * es, src + (i * c + j) * es, es);
        return;
    }
    size_t T = (size_t)h->shape[0], m = (size_t)h->shape[1], n = (size_t)h->shape[2];
    if (h->fortran) { /* k = t + T*(i + m*j) -> t*m*n + i + j*m */
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < m; i++)
                for (size_t t = 0; t < T; t++, k++)
                    copy_elem(dst + (t * m * n + i + j * m) * es, src + k * es, es);
    } else { /* k = (t*m + i)*n + j */
        size_t k = 0;
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++, k++)
                    copy_elem(dst + (t * m * n + i + j * m) * es, src + k * es, es);
    }
}

/* Fill out from file-order data src (h checked).  When src_owned_by_out is
 * set, src already is out->data (direct layout). */
static jg_status decode(jg_ctx *ctx, const char *name, const npy_header *h, const unsigned char *src,
                        int allow_nonfinite, jg_array *out)
{
    // check values
    if (!allow_nonfinite) {
        double v = 0;
        int64_t k = first_nonfinite(src, h->count, h->dtype, &v);
        if (k >= 0) return report_nonfinite(ctx, name, h, k, v);
    }
    // lay out (nothing to move without elements: the loops over the other
    // dimensions of a shape like (0, 8, 8e8) would still run)
    if (h->count > 0 && (const void *)src != out->data) {
        if (layout_is_direct(h))
            memcpy(out->data, src, (size_t)h->data_bytes);
        else
            rearrange(h, src, out->data);
    }
    return JG_OK;
}

static jg_status alloc_array(jg_ctx *ctx, const char *name, const npy_header *h, jg_array *out)
{
    out->data = jg_host_alloc(ctx, (size_t)h->data_bytes);
    if (out->data == NULL)
        return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory for %llu data bytes", name,
                        (unsigned long long)h->data_bytes);
    out->ndim = h->ndim;
    out->dtype = h->dtype;
    for (int d = 0; d < 3; d++) out->shape[d] = d < h->ndim ? h->shape[d] : 0;
    return JG_OK;
}

/* ------------------------------------------------------------------ reading */

jg_status jg_npy_parse_buffer(jg_ctx *ctx, const char *name, const void *bytes, size_t len,
                              int allow_nonfinite, jg_array *out)
{
    jg_status st;
    npy_header h;
    *out = JG_ARRAY_EMPTY;
    if (bytes == NULL && len > 0) return jg_error(ctx, JG_ERR_ARG, "%s: NULL buffer", name);
    const unsigned char *p = bytes ? bytes : (const unsigned char *)"";
    JG_CHECK(ctx, parse_header(ctx, name, p, len, len, &h));
    JG_CHECK(ctx, alloc_array(ctx, name, &h, out));
    JG_CHECK_GOTO(ctx, st, decode(ctx, name, &h, p + h.data_offset, allow_nonfinite, out), fail);
    return JG_OK;
fail:
    jg_array_free(ctx, out);
    return st;
}

/* Read exactly n bytes; JG_ERR_IO on error or early end of file. */
static jg_status read_full(jg_ctx *ctx, const char *name, int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return jg_error(ctx, JG_ERR_IO, "%s: read failed: %s", name, strerror(errno));
        if (r == 0)
            return jg_error(ctx, JG_ERR_IO, "%s: file ended early (changed while being read?)", name);
        got += (size_t)r;
    }
    return JG_OK;
}

/* Open path (a regular file only: never blocks) and parse its header into
 * h; *fd stays open on success. */
static jg_status open_header(jg_ctx *ctx, const char *path, int *fd, npy_header *h, uint64_t *fsize)
{
    jg_status st = JG_OK;
    unsigned char *head = NULL;
    struct stat sb;
    JG_CHECK(ctx, jg_input_open(ctx, path, fd, &sb));
    uint64_t size = (uint64_t)sb.st_size;
    *fsize = size;
    // prefix, then the header
    unsigned char pre[12];
    size_t npre = size < sizeof pre ? (size_t)size : sizeof pre;
    JG_CHECK_GOTO(ctx, st, read_full(ctx, path, *fd, pre, npre), done);
    size_t hstart = 0, hlen = 0;
    memset(h, 0, sizeof *h);
    JG_CHECK_GOTO(ctx, st, parse_prefix(ctx, path, pre, npre, size, h, &hstart, &hlen), done);
    head = malloc(hstart + hlen + 1);
    if (head == NULL) {
        st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory for the header", path);
        goto done;
    }
    memcpy(head, pre, npre);
    if (hstart + hlen > npre)
        JG_CHECK_GOTO(ctx, st, read_full(ctx, path, *fd, head + npre, hstart + hlen - npre), done);
    JG_CHECK_GOTO(ctx, st, parse_header(ctx, path, head, hstart + hlen, size, h), done);
done:
    free(head);
    if (st < 0) {
        close(*fd);
        *fd = -1;
    }
    return st;
}

jg_status jg_npy_peek(jg_ctx *ctx, const char *path, jg_array *out)
{
    npy_header h;
    uint64_t size;
    int fd;
    if (out == NULL || path == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_npy_peek: NULL argument");
    *out = JG_ARRAY_EMPTY;
    JG_CHECK(ctx, open_header(ctx, path, &fd, &h, &size));
    close(fd);
    out->ndim = h.ndim;
    out->dtype = h.dtype;
    for (int d = 0; d < 3; d++) out->shape[d] = d < h.ndim ? h.shape[d] : 0;
    return JG_OK;
}

jg_status jg_npy_load(jg_ctx *ctx, const char *path, int allow_nonfinite, jg_array *out)
{
    jg_status st = JG_OK;
    npy_header h;
    unsigned char *tmp = NULL;
    uint64_t size;
    int fd = -1;
    // check arguments
    if (out == NULL || path == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_npy_load: NULL argument");
    *out = JG_ARRAY_EMPTY;
    // open (regular files only) and read the header
    JG_CHECK(ctx, open_header(ctx, path, &fd, &h, &size));
    // refuse what cannot fit before allocating it
    {
        char what[600], sb[120];
        snprintf(what, sizeof what, "%s: loading the %s %s array", path, shape_str(sb, sizeof sb, h.ndim, h.shape),
                 dtype_long(h.dtype));
        double need = (double)h.data_bytes * (layout_is_direct(&h) ? 1.0 : 2.0);
        JG_CHECK_GOTO(ctx, st, jg_mem_check(ctx, need, what), done);
    }
    // data: straight into the array when the layouts agree
    JG_CHECK_GOTO(ctx, st, alloc_array(ctx, path, &h, out), done);
    unsigned char *src = out->data;
    if (!layout_is_direct(&h)) {
        tmp = jg_host_alloc(ctx, (size_t)h.data_bytes);
        if (tmp == NULL) {
            st = jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory for %llu data bytes", path,
                          (unsigned long long)h.data_bytes);
            goto done;
        }
        src = tmp;
    }
    JG_CHECK_GOTO(ctx, st, read_full(ctx, path, fd, src, (size_t)h.data_bytes), done);
    JG_CHECK_GOTO(ctx, st, decode(ctx, path, &h, src, allow_nonfinite, out), done);
done:
    jg_host_free(ctx, tmp);
    close(fd);
    if (st < 0) jg_array_free(ctx, out);
    return st;
}

int64_t jg_array_count(const jg_array *A) { return A->ndim == 3 ? A->shape[0] : 1; }

jg_mat jg_array_mat(const jg_array *A, int64_t t)
{
    jg_mat M = JG_MAT_EMPTY;
    M.rows = A->ndim == 3 ? A->shape[1] : A->shape[0];
    M.cols = A->ndim == 1 ? 1 : A->ndim == 2 ? A->shape[1] : A->shape[2];
    M.ld = M.rows > 0 ? M.rows : 1;
    M.dtype = A->dtype;
    M.loc = JG_HOST;
    M.owner = 0;
    if (t < 0 || t >= jg_array_count(A)) return M; /* out of range: no data */
    M.data = (char *)A->data + (size_t)t * (size_t)M.rows * (size_t)M.cols * jg_dtype_size(A->dtype);
    return M;
}

void jg_array_free(jg_ctx *ctx, jg_array *A)
{
    if (A == NULL) return;
    jg_host_free(ctx, A->data);
    *A = JG_ARRAY_EMPTY;
}

jg_status jg_npy_check_stream(jg_ctx *ctx, const char *path, const jg_array *A, int allow_matrix)
{
    char sb[120];
    const char *want = allow_matrix ? "a T x m x n gradient stream or an m x n matrix" : "a T x m x n gradient stream";
    if (A->ndim != 3 && !(allow_matrix && A->ndim == 2))
        return jg_error(ctx, JG_ERR_INPUT, "%s: is a %d-D array %s; %s is needed", path, A->ndim,
                        shape_str(sb, sizeof sb, A->ndim, A->shape), want);
    for (int d = 0; d < A->ndim; d++)
        if (A->shape[d] < 1)
            return jg_error(ctx, JG_ERR_INPUT, "%s: shape %s has %s: %s with T, m, n >= 1 is needed", path,
                            shape_str(sb, sizeof sb, A->ndim, A->shape),
                            A->ndim == 3 && d == 0 ? "no gradients (T = 0)" : "an empty dimension", want);
    if (A->data != NULL) {
        size_t count = 1, es = jg_dtype_size(A->dtype);
        for (int d = 0; d < A->ndim; d++) count *= (size_t)A->shape[d];
        const unsigned char *p = A->data;
        int nonzero = 0;
        for (size_t k = 0; k < count && !nonzero; k++)
            nonzero = es == 4 ? ((const float *)(const void *)p)[k] != 0.0f : ((const double *)(const void *)p)[k] != 0.0;
        if (!nonzero)
            return jg_error(ctx, JG_ERR_INPUT, "%s: every gradient is zero: there is nothing to precondition", path);
    }
    return JG_OK;
}

jg_status jg_npy_load_mat(jg_ctx *ctx, const char *path, int square, jg_mat *out)
{
    jg_array A;
    if (out == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_npy_load_mat: NULL argument");
    *out = JG_MAT_EMPTY;
    JG_CHECK(ctx, jg_npy_load(ctx, path, 0, &A));
    jg_status st = JG_OK;
    if (A.ndim == 3)
        st = jg_error(ctx, JG_ERR_INPUT, "%s: is a 3-D stack (%lld x %lld x %lld), a matrix is needed",
                      path, (long long)A.shape[0], (long long)A.shape[1], (long long)A.shape[2]);
    jg_mat V = jg_array_mat(&A, 0);
    if (st == JG_OK && (V.rows == 0 || V.cols == 0))
        st = jg_error(ctx, JG_ERR_INPUT, "%s: is %lldx%lld: empty, a matrix is needed", path,
                      (long long)V.rows, (long long)V.cols);
    if (st == JG_OK && square && V.rows != V.cols)
        st = jg_error(ctx, JG_ERR_INPUT, "%s: is %lldx%lld%s: not square", path, (long long)V.rows,
                      (long long)V.cols, A.ndim == 1 ? " (1-D)" : "");
    if (st < 0) {
        jg_array_free(ctx, &A);
        return st;
    }
    // hand the array's block over: it was allocated as jg_mat_alloc does
    V.owner = 1;
    *out = V;
    return JG_OK;
}

/* ------------------------------------------------------------------ writing */

/* Prefix + header for the given description, padded so that the data
 * starts at a multiple of 64.  Returns the total length, 0 on overflow. */
static size_t format_header(char *buf, size_t size, jg_dtype t, int fortran, int ndim,
                            const int64_t *shape)
{
    char dict[256], sb[120];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                      t == JG_F32 ? "<f4" : "<f8", fortran ? "True" : "False",
                      shape_str(sb, sizeof sb, ndim, shape));
    if (dl < 0 || (size_t)dl >= sizeof dict) return 0;
    /* version 1.0 has a 2-byte length; fall back to 2.0 beyond 65535 */
    int major = 1;
    size_t pre = 10;
    size_t total = (pre + (size_t)dl + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total - pre > 65535) {
        major = 2;
        pre = 12;
        total = (pre + (size_t)dl + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    }
    if (total > size) return 0;
    size_t hlen = total - pre;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = (char)major;
    buf[7] = 0;
    for (size_t b = 0; b < pre - 8; b++) buf[8 + b] = (char)((hlen >> (8 * b)) & 0xff);
    memcpy(buf + pre, dict, (size_t)dl);
    memset(buf + pre + dl, ' ', total - pre - (size_t)dl - 1);
    buf[total - 1] = '\n';
    return total;
}

typedef struct {
    jg_ctx *ctx;
    const char *path;
    FILE *f;
    unsigned char buf[1 << 16];
    size_t used;
    jg_status st;
} writer;

static void w_flush(writer *w)
{
    if (w->st == JG_OK && w->used > 0 && fwrite(w->buf, 1, w->used, w->f) != w->used)
        w->st = jg_error(w->ctx, JG_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
    w->used = 0;
}

static void w_put(writer *w, const void *p, size_t n)
{
    const unsigned char *s = p;
    while (n > 0 && w->st == JG_OK) {
        size_t k = sizeof w->buf - w->used;
        if (k > n) k = n;
        memcpy(w->buf + w->used, s, k);
        w->used += k;
        s += k;
        n -= k;
        if (w->used == sizeof w->buf) w_flush(w);
    }
}

/* Write header + data to f (path for messages).  ndim/shape describe the
 * file; the data are count matrices shaped like M (ld >= rows), matrix q
 * starting stride bytes after matrix q-1; fortran selects column-major
 * (2-D, 1-D) or C order (3-D). */
static jg_status write_npy(jg_ctx *ctx, FILE *f, const char *path, int fortran, int ndim,
                           const int64_t *shape, const jg_mat *M, int64_t count, size_t stride)
{
    jg_dtype t = M->dtype;
    char hdr[512];
    size_t hl = format_header(hdr, sizeof hdr, t, fortran, ndim, shape);
    if (hl == 0) return jg_error(ctx, JG_ERR_ARG, "%s: cannot format the header", path);
    writer *w = malloc(sizeof *w);
    if (w == NULL) return jg_error(ctx, JG_ERR_NOMEM, "%s: out of memory", path);
    w->ctx = ctx;
    w->path = path;
    w->f = f;
    w->used = 0;
    w->st = JG_OK;
    w_put(w, hdr, hl);
    size_t es = jg_dtype_size(t);
    for (int64_t q = 0; q < count && w->st == JG_OK; q++) {
        const unsigned char *d = (const unsigned char *)M->data + (size_t)q * stride;
        if (fortran || ndim == 1) {
            for (int64_t j = 0; j < M->cols; j++)
                w_put(w, d + (size_t)(j * M->ld) * es, (size_t)M->rows * es);
        } else {
            for (int64_t i = 0; i < M->rows && w->st == JG_OK; i++)
                for (int64_t j = 0; j < M->cols; j++) w_put(w, d + (size_t)(i + j * M->ld) * es, es);
        }
    }
    w_flush(w);
    jg_status st = w->st;
    free(w);
    return st;
}

/* The same, atomically (src/core/fileio.h: jg_outfile). */
static jg_status write_atomic(jg_ctx *ctx, const char *path, int fortran, int ndim,
                              const int64_t *shape, const jg_mat *M, int64_t count, size_t stride)
{
    jg_outfile o;
    JG_CHECK(ctx, jg_outfile_open(ctx, &o, path));
    jg_status st = write_npy(ctx, o.f, path, fortran, ndim, shape, M, count, stride);
    if (st < 0) {
        jg_outfile_abort(&o);
        return jg_trace(ctx, st, __FILE__, __LINE__);
    }
    JG_CHECK(ctx, jg_outfile_commit(ctx, &o));
    return JG_OK;
}

static jg_status check_host(jg_ctx *ctx, const char *path, const jg_mat *M)
{
    if (M->loc != JG_HOST)
        return jg_error(ctx, JG_ERR_ARG, "%s: cannot write a device matrix (copy it to the host)", path);
    if (M->rows < 0 || M->cols < 0 || M->ld < (M->rows > 0 ? M->rows : 1))
        return jg_error(ctx, JG_ERR_ARG, "%s: invalid matrix %lldx%lld (ld %lld)", path,
                        (long long)M->rows, (long long)M->cols, (long long)M->ld);
    if (M->data == NULL && M->rows > 0 && M->cols > 0)
        return jg_error(ctx, JG_ERR_ARG, "%s: matrix has no data", path);
    return JG_OK;
}

jg_status jg_npy_save_mat(jg_ctx *ctx, const char *path, const jg_mat *M)
{
    if (path == NULL || M == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_npy_save_mat: NULL argument");
    JG_CHECK(ctx, check_host(ctx, path, M));
    int64_t shape[2] = {M->rows, M->cols};
    JG_CHECK(ctx, write_atomic(ctx, path, 1, 2, shape, M, 1, 0));
    return JG_OK;
}

/* Check that A can be written; its matrix view and layout for write_npy. */
static jg_status array_layout(jg_ctx *ctx, const char *path, const jg_array *A)
{
    // check arguments
    if (path == NULL || A == NULL)
        return jg_error(ctx, JG_ERR_ARG, "jg_npy_save_array: NULL argument");
    if (A->ndim < 1 || A->ndim > 3)
        return jg_error(ctx, JG_ERR_ARG, "%s: cannot write a %d-D array (1-D, 2-D or 3-D)", path,
                        A->ndim);
    uint64_t count = 1;
    int overflow = 0;
    for (int d = 0; d < A->ndim; d++) {
        if (A->shape[d] < 0 || A->shape[d] > NPY_MAX_DIM)
            return jg_error(ctx, JG_ERR_ARG, "%s: dimension %d is %lld: out of range", path, d,
                            (long long)A->shape[d]);
        uint64_t v = (uint64_t)A->shape[d];
        if (v && count > (uint64_t)INT64_MAX / 8 / v) overflow = 1;
        count *= v;
    }
    if (overflow && count != 0)
        return jg_error(ctx, JG_ERR_ARG, "%s: array is too large", path);
    if (A->data == NULL && count > 0) return jg_error(ctx, JG_ERR_ARG, "%s: array has no data", path);
    return JG_OK;
}

jg_status jg_npy_save_array(jg_ctx *ctx, const char *path, const jg_array *A)
{
    JG_CHECK(ctx, array_layout(ctx, path, A));
    if (A->ndim == 2) {
        jg_mat M = jg_array_mat(A, 0);
        JG_CHECK(ctx, jg_npy_save_mat(ctx, path, &M));
        return JG_OK;
    }
    // 1-D as is; 3-D in C order, matrix after matrix
    jg_mat M = jg_array_mat(A, 0);
    M.data = A->data;
    size_t stride = (size_t)M.rows * (size_t)M.cols * jg_dtype_size(A->dtype);
    JG_CHECK(ctx, write_atomic(ctx, path, 0, A->ndim, A->shape, &M, jg_array_count(A), stride));
    return JG_OK;
}

jg_status jg_npy_write_array(jg_ctx *ctx, jg_outfile *o, const jg_array *A)
{
    if (o == NULL || o->f == NULL) return jg_error(ctx, JG_ERR_ARG, "jg_npy_write_array: output not open");
    JG_CHECK(ctx, array_layout(ctx, o->path, A));
    jg_mat M = jg_array_mat(A, 0);
    M.data = A->data;
    if (A->ndim == 2) {
        int64_t shape[2] = {M.rows, M.cols};
        JG_CHECK(ctx, write_npy(ctx, o->f, o->path, 1, 2, shape, &M, 1, 0));
        return JG_OK;
    }
    size_t stride = (size_t)M.rows * (size_t)M.cols * jg_dtype_size(A->dtype);
    JG_CHECK(ctx, write_npy(ctx, o->f, o->path, 0, A->ndim, A->shape, &M, jg_array_count(A), stride));
    return JG_OK;
}
