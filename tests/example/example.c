/* example.c - libjorgetk from C: judge Jorge on a stream of gradients, as
 * `jorge validate` does (README, "Use it as a library"). */
#include <stdio.h>

#include <jorge/jorge.h>

int main(void)
{
    enum { T = 40, M = 6, N = 4 };
    static double g[T * M * N]; /* T column-major M x N gradients */
    jg_rng r;
    jg_rng_seed(&r, 1);
    for (int i = 0; i < T * M * N; i++) g[i] = 0.1 * jg_rng_normal(&r);

    jg_ctx *ctx;
    char err[256];
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) < 0) return fprintf(stderr, "%s\n", err), 2;
    jg_array grads = {3, {T, M, N}, JG_F64, g};
    const char *name = "layer";
    jg_validate_opts o;
    jg_validate_opts_default(&o);
    o.jo.eps_mode = JG_EPS_REL, o.jo.eps = 0.1; /* the command's default eps */
    jg_validate_report rep;
    jg_status st = jg_validate_arrays(ctx, &grads, &name, 1, &o, &rep);
    if (st < 0) return fprintf(stderr, "%s (%s)\n", jg_ctx_message(ctx), jg_ctx_trace(ctx)), 2;
    printf("libjorgetk %s: %s, largest error vs Shampoo's root %.2e (left) %.2e (right)\n", jg_version(),
           jg_verdict_name(rep.verdict), rep.layers[0].s[0].max_n, rep.layers[0].s[1].max_n);
    int code = jg_validate_exit_code(&rep);
    jg_validate_report_free(&rep);
    jg_ctx_destroy(&ctx);
    return code;
}
