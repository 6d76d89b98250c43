/* numerics.c - the numerical library alone (libjorgetk, pkg-config
 * jorge-numerics, Jorge::jorgetk): the exact inverse fourth root of a
 * diagonal matrix, checked against its closed form d^(-1/4). */
#include <jorge/reference/invroot.h>
#include <jorge/src/core/context.h>
#include <jorge/src/core/mat.h>
#include <math.h>
#include <stdio.h>

int main(void)
{
    char err[256];
    jg_ctx *ctx;
    if (jg_ctx_create(&ctx, "cpu", err, sizeof err) < 0) return fprintf(stderr, "%s\n", err), 2;
    enum { N = 6 };
    jg_mat A = JG_MAT_EMPTY, P = JG_MAT_EMPTY;
    if (jg_mat_alloc(ctx, &A, N, N, JG_F64, JG_HOST) < 0 || jg_mat_alloc(ctx, &P, N, N, JG_F64, JG_HOST) < 0)
        return fprintf(stderr, "%s\n", jg_ctx_message(ctx)), 2;
    for (int i = 0; i < N; i++) jg_mat_set(&A, i, i, pow(10.0, i)); /* kappa 1e5 */
    jg_invroot_opts o;
    jg_invroot_opts_default(&o); /* p = 4 */
    o.eps = 0.0;
    if (jg_ref_invroot_eig(ctx, &A, &P, &o, NULL) < 0) return fprintf(stderr, "%s\n", jg_ctx_message(ctx)), 2;
    double worst = 0.0; /* relative error against the closed form */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double want = i == j ? pow(10.0, -i / 4.0) : 0.0;
            worst = fmax(worst, fabs(jg_mat_get(&P, i, j) - want) / pow(10.0, -(N - 1) / 4.0));
        }
    /* tolerance: a few hundred u times kappa^(1/4) covers the eigensolver's backward error */
    int pass = worst < 1e-12;
    printf("libjorgetk %s numerics: %s, largest relative error %s 1e-12\n", jg_version(), pass ? "PASS" : "FAIL",
           pass ? "below" : "above");
    jg_mat_free(ctx, &A);
    jg_mat_free(ctx, &P);
    jg_ctx_destroy(&ctx);
    return pass ? 0 : 1;
}
