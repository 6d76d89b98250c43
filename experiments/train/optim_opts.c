/* optim_opts.c - the optimizers' defaults and names (optim_opts.h). */
#include "experiments/train/optim_opts.h"

#include <string.h>

void jg_optim_opts_default(jg_optim_opts *o, jg_optim_kind kind)
{
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->momentum = 0.9;
    o->beta1 = 0.9;
    o->beta2 = kind == JG_OPTIM_ADAMW ? 0.999 : 0.99;
    o->eps = kind == JG_OPTIM_ADAMW ? 1e-8 : 1e-6;
    o->order = 2;
    o->precond_every = 10;
    o->block = 256;
    o->jorge_warm = 1;
    o->safeguard = JG_SAFEGUARD_CLIP;
    o->eps_mode = JG_EPS_ABS;
    o->state_dtype = JG_F64;
    o->shampoo_beta = JG_SHAMPOO_BETA_FIXED;
    o->diag_window = 0;
}

const char *jg_optim_name(jg_optim_kind k)
{
    switch (k) {
    case JG_OPTIM_SGD: return "sgd";
    case JG_OPTIM_ADAMW: return "adamw";
    case JG_OPTIM_SHAMPOO: return "shampoo";
    case JG_OPTIM_JORGE: return "jorge";
    }
    return "?";
}

int jg_optim_parse(const char *s, jg_optim_kind *k)
{
    for (int i = JG_OPTIM_SGD; i <= JG_OPTIM_JORGE; i++)
        if (!strcmp(s, jg_optim_name((jg_optim_kind)i))) {
            *k = (jg_optim_kind)i;
            return 1;
        }
    return 0;
}
