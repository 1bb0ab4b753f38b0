/*
 * lib/base/civil.c: civil-date arithmetic in the proleptic Gregorian calendar, on day numbers
 * counted from 1970-01-01 (day 0; earlier days are negative).
 *
 * H. Hinnant's days_from_civil / civil_from_days algorithms: exact for every year an int64_t day
 * count can reach, so a datetime before 1601 (no FILETIME) still converts and compares. The
 * datetime type (model/datetime.c) and WQL's datetime comparisons (query/eval.c) both use them;
 * days_from_civil is inline in base.h, as WQL evaluation calls it for every datetime compared.
 */
#include "base/base.h"

void wbemev__civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153; /* month from March = 0 */
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}
