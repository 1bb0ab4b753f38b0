/*
 * lib/contract/rules.c: the rules' names and texts (from WBEMEV_VIOLATION_MAP in wbemev/contract.h)
 * and the policies' names.
 */
#include "contract/checker.h"

struct rule_info {
    const char *name, *rule, *fix;
};

#define INFO(name, num, rule, fix) [num] = {#name, rule, fix},
static const struct rule_info rules[] = {WBEMEV_VIOLATION_MAP(INFO)};
#undef INFO
#define NRULES (sizeof rules / sizeof rules[0])

static const char *const policy_names[] = {"off", "record", "strict", "abort"};
#define NPOLICIES (sizeof policy_names / sizeof policy_names[0])

bool wbemev__rule_text(wbemev_violation_code code, const char **name, const char **rule, const char **fix)
{
    if ((unsigned)code >= NRULES || rules[code].name == NULL)
        return false;
    *name = rules[code].name;
    *rule = rules[code].rule;
    *fix = rules[code].fix;
    return true;
}

const char *wbemev_violation_name(wbemev_violation_code code)
{
    const char *name, *rule, *fix;
    return wbemev__rule_text(code, &name, &rule, &fix) ? name : NULL;
}

const char *wbemev_contract_policy_name(wbemev_contract_policy policy)
{
    return (unsigned)policy < NPOLICIES ? policy_names[policy] : NULL;
}

wbemev_status wbemev_contract_policy_from_name(const char *name, wbemev_contract_policy *out)
{
    if (name == NULL || out == NULL)
        return WBEMEV_E_INVALID_PARAMETER;
    for (size_t i = 0; i < NPOLICIES; i++) {
        if (wbemev__strcaseeq(name, policy_names[i])) {
            *out = (wbemev_contract_policy)i;
            return WBEMEV_S_NO_ERROR;
        }
    }
    return WBEMEV_E_INVALID_PARAMETER;
}
