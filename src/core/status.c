#include "src/core/status.h"
#include "src/core/jg_config.h"

const char *jg_version(void) { return JG_VERSION; }

const char *jg_status_name(jg_status s)
{
    switch (s) {
    case JG_OK: return "JG_OK";
    case JG_ERR_ARG: return "JG_ERR_ARG";
    case JG_ERR_NOMEM: return "JG_ERR_NOMEM";
    case JG_ERR_BACKEND: return "JG_ERR_BACKEND";
    case JG_ERR_NODEVICE: return "JG_ERR_NODEVICE";
    case JG_ERR_IO: return "JG_ERR_IO";
    case JG_ERR_FORMAT: return "JG_ERR_FORMAT";
    case JG_ERR_INPUT: return "JG_ERR_INPUT";
    case JG_ERR_NUMERICAL: return "JG_ERR_NUMERICAL";
    case JG_ERR_UNSUPPORTED: return "JG_ERR_UNSUPPORTED";
    case JG_WARN_NOT_PSD: return "JG_WARN_NOT_PSD";
    case JG_WARN_NOT_CONVERGED: return "JG_WARN_NOT_CONVERGED";
    case JG_WARN_ILL_CONDITIONED: return "JG_WARN_ILL_CONDITIONED";
    case JG_WARN_SKIPPED: return "JG_WARN_SKIPPED";
    }
    return "JG_UNKNOWN";
}

int jg_status_exit_code(jg_status s)
{
    if (s == JG_OK) return 0;
    if (s > 0 || s == JG_ERR_NUMERICAL) return 1;
    return 2;
}
