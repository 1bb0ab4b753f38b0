/*
 * lib/output/output.h: what the files of the output layer share. Not installed.
 */
#ifndef WBEMEV_OUTPUT_H
#define WBEMEV_OUTPUT_H

#include "base/base.h"

/* Checks one class of a registration: its name, its superclass's name, its properties' names,
 * types and ref_class names (registration.c). WBEMEV_E_INVALID_PARAMETER or
 * WBEMEV_E_INVALID_PROPERTY_TYPE. */
wbemev_status wbemev__class_def_validate(const wbemev_class_def *cls);

#endif /* WBEMEV_OUTPUT_H */
