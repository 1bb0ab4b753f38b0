/*
 * examples/win/burst_mof.c: writes the burst provider's registration MOF (what mofcomp loads):
 *
 *   burst_mof.exe > burst_provider.mof
 *   burst_mof.exe burst_provider.mof
 *
 * The same text is tests/golden/burst_provider.mof, checked by test_mof on every platform. The
 * registration it writes is burst_registration, generated from examples/burst.mof, which mofcomp
 * can load as it is too: this program shows the registration as the library sees it.
 */
#include "wbemev/mof.h"

#include "burst_provider.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    FILE *out = stdout;
    if (argc > 2) {
        fprintf(stderr, "usage: %s [output.mof]\n", argv[0]);
        return 2;
    }
    if (argc == 2 && (out = fopen(argv[1], "wb")) == NULL) {
        perror(argv[1]);
        return 1;
    }
    wbemev_status s = wbemev_mof_fwrite_registration(&burst_registration, out);
    if (out != stdout && fclose(out) != 0)
        s = WBEMEV_E_FAILED;
    if (WBEMEV_FAILED(s)) {
        fprintf(stderr, "burst_mof: %s\n", wbemev_status_message(s));
        return 1;
    }
    return 0;
}
