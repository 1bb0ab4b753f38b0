/*
 * tests/gen/typo_provider.c: a provider's one use of a typed setter (test gen_typo_is_a_compile_error):
 * it compiles against the C generated from severity.mof and not against severity_typo.mof's.
 */
#include "typo_mof.h"

wbemev_status typo_provider_fire(const typo_handles *h, wbemev_object_t *event);

wbemev_status typo_provider_fire(const typo_handles *h, wbemev_object_t *event)
{
    return typo_event_put_severity(h, event, 3);
}
