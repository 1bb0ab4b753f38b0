/*
 * wbemev.h: the umbrella header. wbemev models the Windows WMI event-provider/sink contract in
 * portable C11: refcounted event objects with typed CIM properties, class definitions, the sink and
 * provider interfaces, and a dispatcher that plays WMI's role.
 */
#ifndef WBEMEV_H
#define WBEMEV_H

#include "wbemev/common.h"
#include "wbemev/status.h"
#include "wbemev/alloc.h"
#include "wbemev/value.h"
#include "wbemev/class.h"
#include "wbemev/object.h"
#include "wbemev/sink.h"
#include "wbemev/provider.h"
#include "wbemev/query.h"
#include "wbemev/contract.h"
#include "wbemev/format.h"
#include "wbemev/mof.h"
#include "wbemev/module.h"
#include "wbemev/dispatcher.h"
#include "wbemev/sinks.h"

#endif /* WBEMEV_H */
