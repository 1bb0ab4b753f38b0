/*
 * tests/package/generate_consumer.c: a provider's code on C generated from its MOF by the installed
 * package (wbemev_generate in tests/package/cmake): the registration defines the class, the typed
 * setters and getters round-trip through an event. Exits 0 when everything matches.
 */
#include "generate_consumer_mof.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
    wbemev_namespace_t *ns;
    disk_handles h;
    wbemev_object_t *ev;
    if (WBEMEV_FAILED(wbemev_namespace_new(disk_registration.namespace_name, &ns)) ||
        WBEMEV_FAILED(wbemev_registration_define_classes(&disk_registration, ns, false)) ||
        WBEMEV_FAILED(disk_init(&h, ns)) || WBEMEV_FAILED(disk_alert_spawn(&h, &ev))) {
        fprintf(stderr, "generate_consumer: cannot set up Disk_Alert\n");
        return 1;
    }
    const char *const tags[] = {"ssd", "boot"};
    const char *device = NULL;
    const char *const *got_tags = NULL;
    uint32_t full = 0;
    size_t ntags = 0;
    int ok = WBEMEV_SUCCEEDED(disk_alert_put_device(&h, ev, "/dev/sda")) &&
             WBEMEV_SUCCEEDED(disk_alert_put_percent_full(&h, ev, 93)) &&
             WBEMEV_SUCCEEDED(disk_alert_put_tags(&h, ev, tags, 2)) &&
             WBEMEV_SUCCEEDED(disk_alert_get_device(&h, ev, &device)) &&
             WBEMEV_SUCCEEDED(disk_alert_get_percent_full(&h, ev, &full)) &&
             WBEMEV_SUCCEEDED(disk_alert_get_tags(&h, ev, &got_tags, &ntags)) && strcmp(device, "/dev/sda") == 0 &&
             full == 93 && ntags == 2 && strcmp(got_tags[1], "boot") == 0 &&
             strcmp(disk_event_queries[0], "SELECT * FROM Disk_Alert") == 0;
    printf("generate_consumer: %s %s PercentFull=%u\n", disk_registration.provider_name, DISK_ALERT_CLASS_NAME,
           (unsigned)full);
    wbemev_object_release(ev);
    disk_fini(&h);
    wbemev_namespace_release(ns);
    return ok ? 0 : 1;
}
