/*
 * tests/test_query.c: WQL parsing, validation against a namespace, formatting, limits.
 *
 * The table holds every example query of Microsoft's WQL pages (WITHIN, GROUP, HAVING, WHERE, WQL
 * operators, LIKE, ISA, SELECT for event queries, the intrinsic event classes, registry events),
 * a few seen in the wild, and grammar, lexical and validation cases. Each row gives the status of
 * wbemev_query_parse and of wbemev_query_compile against the namespace built below, and for a
 * sample of errors the 1-based column the error must point at.
 */
#include "test_support.h"
#include "query/wql.h" /* white-box: projection and grouping accessors */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OK WBEMEV_S_NO_ERROR
#define INVQ WBEMEV_E_INVALID_QUERY
#define UNP WBEMEV_E_UNPARSABLE_QUERY
#define ICLS WBEMEV_E_INVALID_CLASS
#define NEV WBEMEV_E_NOT_EVENT_CLASS
#define IPROP WBEMEV_E_INVALID_PROPERTY
#define TYPE WBEMEV_E_TYPE_MISMATCH
#define MGW WBEMEV_E_MISSING_GROUP_WITHIN
#define ABO WBEMEV_E_AGGREGATING_BY_OBJECT

typedef struct qcase {
    const char *text;
    wbemev_status parse;   /* wbemev_query_parse */
    wbemev_status compile; /* wbemev_query_compile (equals parse when parse fails) */
    size_t column;         /* expected error column of the first failing step; 0: not checked */
} qcase;

static const qcase cases[] = {
    // WITHIN clause, ISA operator, __InstanceCreationEvent, SELECT for event queries (learn.microsoft.com)
    {"SELECT * FROM __InstanceCreationEvent WITHIN 10 WHERE TargetInstance ISA \"Win32_Process\"", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE TargetInstance ISA \"Win32_Service\" AND TargetInstance.State = \"Stopped\"", OK, OK, 0},
    {"SELECT * FROM EmailEvent GROUP WITHIN 600 HAVING NumberOfEvents > 5", OK, OK, 0},
    {"SELECT * FROM EmailEvent GROUP WITHIN 300 HAVING NumberOfEvents > 5", OK, OK, 0},
    {"SELECT * FROM __InstanceCreationEvent WITHIN 600 WHERE TargetInstance ISA \"Win32_NTLogEvent\" GROUP WITHIN 600 BY TargetInstance.SourceName HAVING NumberOfEvents > 25", OK, OK, 0},
    {"SELECT * FROM __InstanceCreationEvent \n  WHERE TargetInstance ISA \"Win32_NTLogEvent\" \n  GROUP WITHIN 600 BY TargetInstance.SourceName\n  HAVING NumberOfEvents > 25", OK, OK, 0},
    {"SELECT * FROM EmailEvent GROUP WITHIN 300", OK, OK, 0},
    {"SELECT * FROM EmailEvent GROUP WITHIN 300 BY Sender", OK, OK, 0},
    {"SELECT * FROM EventClass WHERE Sender = \"MyBoss\" \n  GROUP WITHIN 300 BY Importance", OK, ICLS, 15},
    {"SELECT * FROM IntrinsicEventClass WITHIN interval  WHERE property = value", INVQ, INVQ, 42},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 10  WHERE TargetInstance ISA \"Win32_LogicalDisk\"", OK, OK, 0},
    {"SELECT * FROM __InstanceOperationEvent WITHIN 10  WHERE TargetInstance ISA \"MyOwnClass\"", OK, OK, 0},
    {"SELECT * FROM EventClass WHERE property = value GROUP WITHIN Interval", INVQ, INVQ, 43},
    {"SELECT * FROM EventClass", OK, ICLS, 15},
    {"SELECT property_1, property_2, property_3 FROM MyEventClass", OK, ICLS, 48},
    {"SELECT targetInstance FROM __InstanceCreationEvent within 2\n    WHERE targetinstance isa \"Win32_Process\"", OK, OK, 0},
    {"SELECT targetInstance.Name FROM __InstanceCreationEvent within 2\n    WHERE targetinstance isa \"Win32_Process\"", OK, OK, 0},
    {"SELECT * FROM EmailEvent", OK, OK, 0},
    {"SELECT * FROM EmailEvent WHERE EmailImportance > 3", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 600\n    WHERE TargetInstance ISA \"Win32_LogicalDisk\" \n    AND   TargetInstance.FreeSpace < 1000000", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 600\nWHERE TargetInstance ISA \"Win32_LogicalDisk\"", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN PollingInterval WHERE TargetInstance ISA 'Win32_Service' and TargetInstance.Name = 'alerter'", INVQ, INVQ, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 5 WHERE TargetInstance ISA 'Win32_Service' and TargetInstance.Name = 'alerter'", OK, OK, 0},
    {"SELECT * FROM __InstanceCreationEvent WITHIN PollingInterval WHERE TargetInstance ISA 'Win32_Process' and TargetInstance.Name = 'notepad.exe'", INVQ, INVQ, 46},
    {"SELECT * FROM __InstanceCreationEvent WITHIN 1 WHERE TargetInstance ISA 'Win32_Process' and TargetInstance.Name = 'notepad.exe'", OK, OK, 0},
    {"SELECT * FROM __InstanceDeletionEvent WHERE TargetInstance ISA 'Win32_Process' and TargetInstance.Name = 'notepad.exe' ", OK, OK, 0},
    {"SELECT * FROM __InstanceOperationEventOrDerivedClass WITHIN PollingInterval WHERE TargetInstance ISA WMIClassName AND TargetInstance.WMIClassPropertyName = Value", INVQ, INVQ, 61},
    {"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance ISA 'Win32_NTLogEvent' ", OK, OK, 0},
    {"Select * from RegistryValueChangeEvent Where Hive = 'HKEY_LOCAL_MACHINE' and KeyPath = 'SYSTEM\\\\ControlSet001\\\\Control' and ValueName = 'CurrentUser'", OK, OK, 0},
    {"SELECT * FROM RegistryTreeChangeEvent WHERE Hive='HKEY_LOCAL_MACHINE' AND RootPath='SOFTWARE\\\\Microsoft'", OK, OK, 0},
    {"SELECT * FROM RegistryKeyChangeEvent WHERE Hive='HKEY_LOCAL_MACHINE' AND KeyPath='SOFTWARE\\\\MyKey\\\\MySubKey\\\\'", OK, OK, 0},
    {"SELECT * FROM SecurityViolationEvent WHERE Building = 24;", OK, TYPE, 55},
    {"SELECT * FROM SecurityViolationEvent WHERE Building = \"24\";", OK, OK, 0},
    {"SELECT * FROM EventClass [WHERE property = value]", INVQ, INVQ, 26},
    // WHERE clause, WQL operators, LIKE operator (data-query examples: parse, then not event classes)
    {"SELECT * FROM meta_class WHERE __Class LIKE \"%Win%\"", OK, ICLS, 15},
    {"SELECT * FROM meta_class WHERE __CLASS LIKE \"%[_][_]%\"", OK, ICLS, 0},
    {"Select * FROM Win32_Printer WHERE Local=\"TRUE\"      AND Network =\"False\" AND DriverName LIKE \"%HP%\"      AND NOT PortName LIKE \"%10.%\" AND NOT PortName LIKE \"%\\\\%\"", OK, NEV, 15},
    {"SELECT * FROM Win32_LogicalDisk WHERE FileSystem IS NULL", OK, NEV, 0},
    {"SELECT * FROM Win32_LogicalDisk WHERE FileSystem IS NOT NULL", OK, NEV, 0},
    {"SELECT * FROM Win32_LogicalDisk WHERE DriveType IS 5", INVQ, INVQ, 52},
    {"SELECT * FROM Win32_LogicalDisk WHERE FileSystem IS NOT \"NTFS\"", INVQ, INVQ, 57},
    {"SELECT * FROM Meta_Class WHERE __Class LIKE \"%Win32%\"", OK, ICLS, 0},
    {"SELECT * FROM class WHERE property operator constant", INVQ, INVQ, 36},
    {"SELECT * FROM class WHERE constant operator property", INVQ, INVQ, 36},
    {"SELECT * FROM Win32_LogicalDisk WHERE FileSystem = \"NTFS\"", OK, NEV, 15},
    {"SELECT * FROM PhysicalDisk WHERE Partitions < (4 + 7 - 2) \n    OR   (Partitions = SectorsPerTrack / 7)", INVQ, INVQ, 47},
    {"SELECT * FROM MyClass WHERE Prop.embedprop = 5", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE Prop1 = \"cat\"", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE Prop1 = \"CAT\"", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE Prop1 = \"cAt\"", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp = 1", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp = TRUE", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp <> FALSE", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp = 0", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp = FALSE", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp != 1", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp != FALSE", OK, OK, 0},
    {"SELECT * FROM MyClass WHERE BoolProp <= TRUE", OK, INVQ, 41},
    {"SELECT * FROM MyClass WHERE BoolProp >= 0", OK, INVQ, 41},
    {"SELECT * FROM MyClass WHERE BoolProp > FALSE", OK, INVQ, 40},
    {"SELECT * FROM win32_computersystem WHERE infraredsupported >= null", INVQ, INVQ, 63},
    {"SELECT * FROM Win32_LogicalDisk WHERE Name = \"C:\" OR Name = \"D:\"", OK, NEV, 0},
    {"SELECT * FROM Win32_LogicalDisk WHERE (Name = \"C:\" OR Name = \"D:\") \n    AND  FreeSpace > 2000000  AND   FileSystem = \"NTFS\"", OK, NEV, 0},
    {"SELECT * FROM meta_class WHERE __this ISA \"myClassName\"", OK, ICLS, 0},
    {"ASSOCIATORS OF {myClass.keyVal=\"Value1\"} WHERE ClassDefsOnly", UNP, UNP, 1},
    {"ASSOCIATORS OF {myClass} WHERE SchemaOnly", UNP, UNP, 1},
    {"REFERENCES OF {myClass.keyVal=\"Value1\"} \n    WHERE RequiredQualifier = myQual", UNP, UNP, 1},
    {"REFERENCES OF {myClass} WHERE SchemaOnly", UNP, UNP, 1},
    {"SELECT * FROM meta_class WHERE NOT __class < \"Win32\" AND NOT __this ISA \"Win32_Account\"", OK, ICLS, 0},
    // queries seen in the wild (timer events, process traces)
    {"SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_LocalTime' AND TargetInstance.Hour = 12 AND TargetInstance.Minute= 38 GROUP WITHIN 60", OK, OK, 0},
    {"Select * From __InstanceModificationEvent WHERE TargetInstance ISA 'Win32_LocalTime' AND TargetInstance.Second = 0", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WITHIN 30 WHERE TargetInstance ISA 'Win32_LocalTime' AND TargetInstance.Second=0", OK, OK, 0},
    {"SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName = 'notepad.exe'", OK, OK, 0},
    {"SELECT * FROM __InstanceModificationEvent WHERE PreviousInstance.State = 'Running' AND TargetInstance.State = 'Stopped'", OK, OK, 0},
    {"SELECT * FROM __InstanceOperationEvent WHERE PreviousInstance.State = 'Running'", OK, IPROP, 46},
    // valid grammar
    {"SELECT * FROM MyEvent", OK, OK, 0},
    {"select * from myevent", OK, OK, 0},
    {"SeLeCt * FrOm MyEvent WhErE s32 = 1 aNd NoT tExT iS nUlL", OK, OK, 0},
    {"SELECT S32, U32 FROM MyEvent", OK, OK, 0},
    {"SELECT S32,U32,Text FROM MyEvent WHERE Text = 'x'", OK, OK, 0},
    {"SELECT Child.Name FROM MyEvent", OK, OK, 0},
    {"SELECT Child.Leaf.Value, Any.Whatever FROM MyEvent", OK, OK, 0},
    {"SELECT * FROM MyEvent WITHIN 0.5", OK, OK, 0},
    {"SELECT * FROM MyEvent WITHIN 1e1", OK, OK, 0},
    {"SELECT * FROM MyEvent WITHIN 0x10", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S32 = -5", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S32 = 0x7fffffff", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S32 = -0x10", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE U64 = 18446744073709551615", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE U64 = 0xFFFFFFFFFFFFFFFF", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S64 = -9223372036854775808", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S64 = -0x8000000000000000", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE R64 > 1.5e-3", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE R32 < -2.5", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE R64 = 1E+300", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE 5 < S32", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE 'abc' = Text", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE NULL = Text", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text != NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Child <> NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text IS NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text IS NOT NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Child IS NULL AND Child.Leaf IS NOT NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Numbers IS NOT NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text LIKE 'a%'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Ref LIKE '%Win32%'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Any ISA 'MyChild'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Child ISA \"MyChild\"", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE NOT Text = 'a'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE NOT NOT Text = 'a'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE (Text = 'a')", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE ((((Text = 'a'))))", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S32 = 1 AND S32 = 2 OR S32 = 3", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE S32 = 1 AND (S32 = 2 OR S32 = 3)", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE NOT (S32 = 1 OR S32 = 2)", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Flag = TRUE", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Flag = 'true'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Flag = -1", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE When > '20240101000000.000000+000'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE When = \"20240101000000.000000-060\"", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE When = '00000001000000.000000:000'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Letter = 'A'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Letter = 65", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE U8 = 300", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE U8 < 2.5", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE U64 > -1", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE R64 = 1", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE __CLASS = 'MyEvent'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE __Genus = 2", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE __PATH IS NULL", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Any.Whatever.Deep = 1", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Any.__CLASS = 'MyChild'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Child.Leaf.Label = 'x'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE TIME_CREATED > 0", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = 'it''s'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = \"say \\\"hi\\\"\"", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = 'a\\\\b'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = 'c:\\windows'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = ''", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Text = 'h\xc3\xa9""llo \xe6\x97\xa5""\xe6\x9c\xac""'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Ref = 'Win32_Process.Handle=\"1\"'", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Ref < 'x' AND Text > 'abc'", OK, OK, 0},
    {"SELECT * FROM MyEvent;", OK, OK, 0},
    {"SELECT * FROM MyEvent WITHIN 5 WHERE S32 > 1 GROUP WITHIN 10 BY Text, U32 HAVING NumberOfEvents >= 2 AND NumberOfEvents < 10", OK, OK, 0},
    {"SELECT * FROM MyEvent GROUP WITHIN 2.5 HAVING 3 < NumberOfEvents", OK, OK, 0},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 HAVING NOT NumberOfEvents = 1", OK, OK, 0},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 BY Child.Name", OK, OK, 0},
    {"SELECT * FROM MySubEvent WHERE Extra = 'x' AND S32 = 1", OK, OK, 0},
    {"SELECT * FROM __Event", OK, OK, 0},
    {"SELECT * FROM __ExtrinsicEvent", OK, OK, 0},
    {"SELECT * FROM __AggregateEvent WHERE NumberOfEvents > 1", OK, OK, 0},
    {"SELECT\t*\r\nFROM\tMyEvent", OK, OK, 0},
    {"SELECT * FROM MyEvent WHERE Child . Name = 'x'", OK, OK, 0},
    // invalid: lexical
    {"", UNP, UNP, 0},
    {"   \n ", UNP, UNP, 0},
    {"SELEC * FROM MyEvent", UNP, UNP, 1},
    {"FROM MyEvent", UNP, UNP, 1},
    {"* FROM MyEvent", UNP, UNP, 1},
    {"# SELECT * FROM MyEvent", UNP, UNP, 1},
    {"SELECT * FROM MyEvent WHERE Text = 'abc", UNP, UNP, 36},
    {"SELECT * FROM MyEvent WHERE Text = \"abc\\\"", UNP, UNP, 36},
    {"SELECT * FROM MyEvent WHERE S32 = 1AND S32 = 2", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 = 1.5.3", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 = 99999999999999999999", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 = -9223372036854775809", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 = 0x", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 = 0x10000000000000000", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE R64 = 1e999", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE R64 = 1e", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 ! 1", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE S32 = - 1", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent #", INVQ, INVQ, 23},
    // invalid: grammar
    {"SELECT", INVQ, INVQ, 7},
    {"SELECT * Frm MyEvent", INVQ, INVQ, 10},
    {"SELECT * FROM", INVQ, INVQ, 14},
    {"SELECT * FROM 123", INVQ, INVQ, 15},
    {"SELECT * FROM \"MyEvent\"", INVQ, INVQ, 15},
    {"SELECT FROM MyEvent", INVQ, INVQ, 8},
    {"SELECT *, S32 FROM MyEvent", INVQ, INVQ, 9},
    {"SELECT S32, FROM MyEvent", INVQ, INVQ, 13},
    {"SELECT S32 S64 FROM MyEvent", INVQ, INVQ, 12},
    {"SELECT * FROM MyEvent.Foo", INVQ, INVQ, 22},
    {"SELECT * FROM MyEvent AS e", INVQ, INVQ, 23},
    {"SELECT * FROM MyEvent WHERE", INVQ, INVQ, 28},
    {"SELECT * FROM MyEvent WHERE )", INVQ, INVQ, 29},
    {"SELECT * FROM MyEvent WHERE (S32 = 1", INVQ, INVQ, 37},
    {"SELECT * FROM MyEvent WHERE S32 = 1)", INVQ, INVQ, 36},
    {"SELECT * FROM MyEvent WHERE S32 1", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE S32 =", INVQ, INVQ, 34},
    {"SELECT * FROM MyEvent WHERE S32 = = 1", INVQ, INVQ, 35},
    {"SELECT * FROM MyEvent WHERE S32 =< 1", INVQ, INVQ, 34},
    {"SELECT * FROM MyEvent WHERE 1 = 1", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE S32 = S64", INVQ, INVQ, 35},
    {"SELECT * FROM __InstanceModificationEvent WHERE PreviousInstance.State <> TargetInstance.State", INVQ, INVQ, 75},
    {"SELECT * FROM MyEvent WHERE 'a' LIKE Text", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE Text LIKE 5", INVQ, INVQ, 39},
    {"SELECT * FROM MyEvent WHERE Any ISA MyChild", INVQ, INVQ, 37},
    {"SELECT * FROM MyEvent WHERE Text IS 'x'", INVQ, INVQ, 37},
    {"SELECT * FROM MyEvent WHERE Text IS NOT 'x'", INVQ, INVQ, 41},
    {"SELECT * FROM MyEvent WHERE Text < NULL", INVQ, INVQ, 36},
    {"SELECT * FROM MyEvent WHERE NULL > Text", INVQ, INVQ, 29},
    {"SELECT * FROM MyEvent WHERE S32 = 1 S32 = 2", INVQ, INVQ, 37},
    {"SELECT * FROM MyEvent WHERE S32 = 1 AND", INVQ, INVQ, 40},
    {"SELECT * FROM MyEvent WHERE AND S32 = 1", INVQ, INVQ, 29},
    {"SELECT * FROM MyEvent WHERE NOT", INVQ, INVQ, 32},
    {"SELECT * FROM MyEvent WHERE Text.= 1", INVQ, INVQ, 34},
    {"SELECT * FROM MyEvent WHERE Any.Group = 1", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE Flag", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WHERE S32 NOT LIKE 1", INVQ, INVQ, 33},
    {"SELECT * FROM MyEvent WITHIN 0", INVQ, INVQ, 30},
    {"SELECT * FROM MyEvent WITHIN -5", INVQ, INVQ, 30},
    {"SELECT * FROM MyEvent WITHIN 0.0", INVQ, INVQ, 30},
    {"SELECT * FROM MyEvent WITHIN '5'", INVQ, INVQ, 30},
    {"SELECT * FROM MyEvent WITHIN 5 WITHIN 6", INVQ, INVQ, 32},
    {"SELECT * FROM MyEvent WHERE S32 = 1 WITHIN 5", INVQ, INVQ, 37},
    {"SELECT * FROM MyEvent GROUP BY Text", MGW, MGW, 29},
    {"SELECT * FROM MyEvent HAVING NumberOfEvents > 1", MGW, MGW, 23},
    {"SELECT * FROM MyEvent WHERE S32 = 1 BY Text", MGW, MGW, 37},
    {"SELECT * FROM MyEvent GROUP HAVING NumberOfEvents > 1", MGW, MGW, 29},
    {"SELECT * FROM MyEvent GROUP 10", INVQ, INVQ, 29},
    {"SELECT * FROM MyEvent GROUP WITHIN 0", INVQ, INVQ, 36},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 HAVING S32 > 1", IPROP, IPROP, 46},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 HAVING Representative.NumberOfEvents > 1", IPROP, IPROP, 46},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 BY", INVQ, INVQ, 41},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 HAVING NumberOfEvents > 1 GROUP WITHIN 5", INVQ, INVQ, 65},
    {"SELECT * FROM MyEvent; x", INVQ, INVQ, 24},
    // compile errors
    {"SELECT * FROM NoSuchEvent", OK, ICLS, 15},
    {"SELECT * FROM Win32_Process", OK, NEV, 15},
    {"SELECT * FROM NotAnEvent WHERE Name = 'x'", OK, NEV, 15},
    {"SELECT Nope FROM MyEvent", OK, IPROP, 8},
    {"SELECT * FROM MyEvent WHERE Nope = 1", OK, IPROP, 29},
    {"SELECT * FROM MyEvent WHERE Child.Nope = 1", OK, IPROP, 35},
    {"SELECT * FROM MyEvent WHERE Child.Leaf.Nope = 1", OK, IPROP, 40},
    {"SELECT * FROM MyEvent WHERE S32.X = 1", OK, IPROP, 33},
    {"SELECT * FROM MyEvent WHERE Text.Length > 1", OK, IPROP, 34},
    {"SELECT * FROM MyEvent WHERE __CLASS.X = 1", OK, IPROP, 37},
    {"SELECT * FROM MyEvent WHERE Numbers.X = 1", OK, IPROP, 37},
    {"SELECT * FROM MyEvent WHERE __FOO = 1", OK, IPROP, 29},
    {"SELECT * FROM MyEvent WHERE S32 = 'abc'", OK, TYPE, 35},
    {"SELECT * FROM MyEvent WHERE Text = 5", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE Text = TRUE", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE R64 = '1.5'", OK, TYPE, 35},
    {"SELECT * FROM MyEvent WHERE S32 LIKE 'a%'", OK, TYPE, 29},
    {"SELECT * FROM MyEvent WHERE When = 'yesterday'", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE When = 5", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE Letter = 'AB'", OK, TYPE, 38},
    {"SELECT * FROM MyEvent WHERE Flag = 2", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE Flag = 'yes'", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE Flag = 1.0", OK, TYPE, 36},
    {"SELECT * FROM MyEvent WHERE Child = 'x'", OK, TYPE, 37},
    {"SELECT * FROM MyEvent WHERE Numbers = 1", OK, TYPE, 29},
    {"SELECT * FROM MyEvent WHERE Text ISA 'MyChild'", OK, TYPE, 29},
    {"SELECT * FROM MyEvent WHERE Any ISA 'NoSuchClass'", OK, ICLS, 37},
    {"SELECT * FROM __InstanceCreationEvent WHERE TargetInstance = 'x'", OK, TYPE, 62},
    {"SELECT * FROM __InstanceCreationEvent WHERE SourceName = 'x'", OK, IPROP, 45},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 BY Child", OK, ABO, 42},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 BY Nope", OK, IPROP, 42},
    {"SELECT * FROM MyEvent GROUP WITHIN 10 HAVING NumberOfEvents > 'x'", OK, TYPE, 63},
};

#define NCASES (sizeof cases / sizeof cases[0])

/* ---- the test namespace: the classes the queries above name ---- */

#define P(n, t) {(n), (t), NULL}
#define PR(n, t, r) {(n), (t), (r)}

static void define(wbemev_namespace_t *ns, const char *name, const char *super,
                   const wbemev_property_def *props, size_t n)
{
    wbemev_status st = wbemev_namespace_define_class(ns, name, super, props, n, NULL);
    if (st != WBEMEV_S_NO_ERROR) {
        print_error("defining %s failed: %s\n", name, wbemev_status_name(st));
        fail();
    }
}

#define DEFINE(ns, name, super, ...)                                                               \
    do {                                                                                           \
        static const wbemev_property_def props_[] = {__VA_ARGS__};                                 \
        define((ns), (name), (super), props_, sizeof props_ / sizeof props_[0]);                   \
    } while (0)

static wbemev_namespace_t *make_namespace(void)
{
    wbemev_namespace_t *ns = NULL;
    assert_wbemev_ok(wbemev_namespace_new("root\\test", &ns));
    DEFINE(ns, "Win32_Process", NULL, P("Name", WBEMEV_CIM_STRING), P("ProcessId", WBEMEV_CIM_UINT32),
           P("Handle", WBEMEV_CIM_STRING), P("WorkingSetSize", WBEMEV_CIM_UINT64));
    DEFINE(ns, "Win32_Service", NULL, P("Name", WBEMEV_CIM_STRING), P("State", WBEMEV_CIM_STRING),
           P("StartMode", WBEMEV_CIM_STRING), P("Started", WBEMEV_CIM_BOOLEAN));
    DEFINE(ns, "Win32_NTLogEvent", NULL, P("SourceName", WBEMEV_CIM_STRING),
           P("Logfile", WBEMEV_CIM_STRING), P("Message", WBEMEV_CIM_STRING),
           P("EventCode", WBEMEV_CIM_UINT16), P("TimeGenerated", WBEMEV_CIM_DATETIME));
    DEFINE(ns, "Win32_LogicalDisk", NULL, P("Name", WBEMEV_CIM_STRING), P("FileSystem", WBEMEV_CIM_STRING),
           P("FreeSpace", WBEMEV_CIM_UINT64), P("Size", WBEMEV_CIM_UINT64), P("DriveType", WBEMEV_CIM_UINT32));
    DEFINE(ns, "Win32_Printer", NULL, P("Local", WBEMEV_CIM_BOOLEAN), P("Network", WBEMEV_CIM_BOOLEAN),
           P("DriverName", WBEMEV_CIM_STRING), P("PortName", WBEMEV_CIM_STRING));
    DEFINE(ns, "Win32_LocalTime", NULL, P("Hour", WBEMEV_CIM_UINT32), P("Minute", WBEMEV_CIM_UINT32),
           P("Second", WBEMEV_CIM_UINT32), P("Day", WBEMEV_CIM_UINT32));
    DEFINE(ns, "MyOwnClass", NULL, P("Name", WBEMEV_CIM_STRING));
    DEFINE(ns, "NotAnEvent", NULL, P("Name", WBEMEV_CIM_STRING));
    DEFINE(ns, "EmailEvent", "__ExtrinsicEvent", P("Sender", WBEMEV_CIM_STRING),
           P("Importance", WBEMEV_CIM_UINT32), P("EmailImportance", WBEMEV_CIM_UINT32),
           P("Subject", WBEMEV_CIM_STRING));
    DEFINE(ns, "SecurityViolationEvent", "__ExtrinsicEvent", P("Building", WBEMEV_CIM_STRING),
           P("EntranceNumber", WBEMEV_CIM_SINT32), P("TimeOfDetection", WBEMEV_CIM_DATETIME));
    DEFINE(ns, "RegistryEvent", "__ExtrinsicEvent", P("Hive", WBEMEV_CIM_STRING));
    DEFINE(ns, "RegistryTreeChangeEvent", "RegistryEvent", P("RootPath", WBEMEV_CIM_STRING));
    DEFINE(ns, "RegistryKeyChangeEvent", "RegistryEvent", P("KeyPath", WBEMEV_CIM_STRING));
    DEFINE(ns, "RegistryValueChangeEvent", "RegistryEvent", P("KeyPath", WBEMEV_CIM_STRING),
           P("ValueName", WBEMEV_CIM_STRING));
    DEFINE(ns, "Win32_ProcessTrace", "__ExtrinsicEvent", P("ProcessID", WBEMEV_CIM_UINT32),
           P("ParentProcessID", WBEMEV_CIM_UINT32), P("ProcessName", WBEMEV_CIM_STRING),
           P("SessionID", WBEMEV_CIM_UINT32));
    DEFINE(ns, "Win32_ProcessStartTrace", "Win32_ProcessTrace", P("Sid", WBEMEV_CIM_UINT8 | WBEMEV_CIM_FLAG_ARRAY));
    DEFINE(ns, "MyClass", "__ExtrinsicEvent", P("Prop", WBEMEV_CIM_OBJECT), P("Prop1", WBEMEV_CIM_STRING),
           P("BoolProp", WBEMEV_CIM_BOOLEAN));
    DEFINE(ns, "MyLeaf", NULL, P("Value", WBEMEV_CIM_SINT32), P("Label", WBEMEV_CIM_STRING));
    DEFINE(ns, "MyChild", NULL, P("Name", WBEMEV_CIM_STRING), P("Level", WBEMEV_CIM_UINT32),
           PR("Leaf", WBEMEV_CIM_OBJECT, "MyLeaf"));
    DEFINE(ns, "MyEvent", "__ExtrinsicEvent", P("S8", WBEMEV_CIM_SINT8), P("U8", WBEMEV_CIM_UINT8),
           P("S16", WBEMEV_CIM_SINT16), P("U16", WBEMEV_CIM_UINT16), P("S32", WBEMEV_CIM_SINT32),
           P("U32", WBEMEV_CIM_UINT32), P("S64", WBEMEV_CIM_SINT64), P("U64", WBEMEV_CIM_UINT64),
           P("R32", WBEMEV_CIM_REAL32), P("R64", WBEMEV_CIM_REAL64), P("Flag", WBEMEV_CIM_BOOLEAN),
           P("Text", WBEMEV_CIM_STRING), P("When", WBEMEV_CIM_DATETIME), P("Letter", WBEMEV_CIM_CHAR16),
           P("Ref", WBEMEV_CIM_REFERENCE), PR("Child", WBEMEV_CIM_OBJECT, "MyChild"),
           P("Any", WBEMEV_CIM_OBJECT), P("Numbers", WBEMEV_CIM_SINT32 | WBEMEV_CIM_FLAG_ARRAY));
    DEFINE(ns, "MySubEvent", "MyEvent", P("Extra", WBEMEV_CIM_STRING));
    return ns;
}

static int setup(void **state)
{
    *state = make_namespace();
    return 0;
}

static int teardown(void **state)
{
    wbemev_namespace_release(*state);
    wbemev_test_assert_no_leaks();
    return 0;
}

/* Prints a query with control characters escaped, for failure messages. */
static const char *show(const char *s)
{
    static char buf[400];
    size_t k = 0;
    for (; *s != '\0' && k + 5 < sizeof buf; s++) {
        if (*s == '\n') {
            buf[k++] = '\\';
            buf[k++] = 'n';
        } else {
            buf[k++] = *s;
        }
    }
    buf[k] = '\0';
    return buf;
}

/* ---- the table ---- */

static void test_table(void **state)
{
    wbemev_namespace_t *ns = *state;
    int failures = 0;
    size_t valid = 0, invalid = 0;
    assert_true(NCASES >= 150);
    for (size_t i = 0; i < NCASES; i++) {
        const qcase *c = &cases[i];
        wbemev_query_error err;
        wbemev_query_t *q = NULL;
        wbemev_status st = wbemev_query_parse(c->text, &q, &err);
        if (st != c->parse) {
            print_error("case %zu: parse(\"%s\") gave %s (%s), expected %s\n", i, show(c->text),
                        wbemev_status_name(st), err.message, wbemev_status_name(c->parse));
            failures++;
        } else if (st != OK && c->column != 0 && err.column != c->column) {
            print_error("case %zu: parse(\"%s\"): error at column %zu (%s), expected %zu\n", i,
                        show(c->text), err.column, err.message, c->column);
            failures++;
        } else if (st != OK && (err.status != st || err.message[0] == '\0')) {
            print_error("case %zu: parse error details not filled\n", i);
            failures++;
        }
        if (st == OK) {
            assert_non_null(q);
            wbemev_query_release(q);
            q = NULL;
        }

        st = wbemev_query_compile(c->text, ns, &q, &err);
        if (st != c->compile) {
            print_error("case %zu: compile(\"%s\") gave %s (%s), expected %s\n", i, show(c->text),
                        wbemev_status_name(st), err.message, wbemev_status_name(c->compile));
            failures++;
        } else if (st != OK && c->parse == OK && c->column != 0 && err.column != c->column) {
            print_error("case %zu: compile(\"%s\"): error at column %zu (%s), expected %zu\n", i,
                        show(c->text), err.column, err.message, c->column);
            failures++;
        }
        if (st == OK) {
            assert_non_null(wbemev_query_class(q));
            assert_int_equal(err.status, OK);
            wbemev_query_release(q);
        }
        if (c->compile == OK)
            valid++;
        else
            invalid++;
    }
    print_message("%zu queries: %zu compile, %zu rejected\n", NCASES, valid, invalid);
    assert_int_equal(failures, 0);
}

/* parse(format(q)) formats identically, for every query that parses; and a query that compiled
 * compiles again from its normalized text. */
static void test_format_round_trip(void **state)
{
    wbemev_namespace_t *ns = *state;
    int failures = 0;
    size_t checked = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const qcase *c = &cases[i];
        if (c->parse != OK)
            continue;
        wbemev_query_t *q = NULL, *q2 = NULL;
        char a[2048], b[2048];
        assert_wbemev_ok(wbemev_query_parse(c->text, &q, NULL));
        size_t na = wbemev_query_format(q, a, sizeof a);
        assert_int_equal(na, strlen(a));
        wbemev_query_error err;
        wbemev_status st = wbemev_query_parse(a, &q2, &err);
        if (st != OK) {
            print_error("case %zu: format \"%s\" does not parse: %s\n", i, a, err.message);
            failures++;
        } else {
            size_t nb = wbemev_query_format(q2, b, sizeof b);
            if (na != nb || strcmp(a, b) != 0) {
                print_error("case %zu: \"%s\" formats as \"%s\" then \"%s\"\n", i, show(c->text), a, b);
                failures++;
            }
            wbemev_query_release(q2);
            q2 = NULL;
        }
        if (c->compile == OK) {
            st = wbemev_query_compile(a, ns, &q2, &err);
            if (st != OK) {
                print_error("case %zu: \"%s\" does not compile: %s\n", i, a, err.message);
                failures++;
            } else {
                wbemev_query_release(q2);
            }
        }
        wbemev_query_release(q);
        checked++;
    }
    assert_true(checked >= 100);
    assert_int_equal(failures, 0);
}

static void expect_format(const char *text, const char *expected)
{
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    wbemev_status st = wbemev_query_parse(text, &q, &err);
    if (st != OK) {
        print_error("\"%s\": %s\n", text, err.message);
        fail();
    }
    char buf[1024];
    size_t n = wbemev_query_format(q, buf, sizeof buf);
    if (strcmp(buf, expected) != 0) {
        print_error("\"%s\"\n  formats as \"%s\"\n  expected   \"%s\"\n", text, buf, expected);
        fail();
    }
    assert_int_equal(n, strlen(expected));
    wbemev_query_release(q);
}

static void test_format(void **state)
{
    (void)state;
    expect_format("select * from myevent where s32=1 and(s32=2 or s32 = 3)",
                  "SELECT * FROM myevent WHERE s32 = 1 AND (s32 = 2 OR s32 = 3)");
    expect_format("SELECT * FROM MyEvent WHERE ((S32 = 1 AND S32 = 2)) AND S32 = 3",
                  "SELECT * FROM MyEvent WHERE S32 = 1 AND S32 = 2 AND S32 = 3");
    expect_format("SELECT * FROM MyEvent WHERE (S32 = 1 OR S32 = 2) OR S32 = 3",
                  "SELECT * FROM MyEvent WHERE S32 = 1 OR S32 = 2 OR S32 = 3");
    expect_format("SELECT * FROM MyEvent WHERE (S32 = 1 AND S32 = 2) OR S32 = 3",
                  "SELECT * FROM MyEvent WHERE S32 = 1 AND S32 = 2 OR S32 = 3");
    expect_format("SELECT * FROM MyEvent WHERE NOT (S32 = 1 OR S32 = 2)",
                  "SELECT * FROM MyEvent WHERE NOT (S32 = 1 OR S32 = 2)");
    expect_format("SELECT * FROM MyEvent WHERE NOT S32 = 1 AND NOT (Text LIKE 'a%')",
                  "SELECT * FROM MyEvent WHERE NOT S32 = 1 AND NOT Text LIKE \"a%\"");
    expect_format("SELECT * FROM MyEvent WHERE NOT (NOT (S32 = 1))",
                  "SELECT * FROM MyEvent WHERE NOT NOT S32 = 1");
    expect_format("SELECT * FROM MyEvent WHERE S32 != 0x10", "SELECT * FROM MyEvent WHERE S32 <> 16");
    expect_format("SELECT * FROM MyEvent WHERE S32 = -0X1f", "SELECT * FROM MyEvent WHERE S32 = -31");
    expect_format("SELECT * FROM MyEvent WHERE S32 = -0", "SELECT * FROM MyEvent WHERE S32 = 0");
    expect_format("SELECT * FROM MyEvent WHERE 'it''s' = Text", "SELECT * FROM MyEvent WHERE \"it's\" = Text");
    expect_format("SELECT * FROM MyEvent WHERE Text = 'a\\\\b\"c'",
                  "SELECT * FROM MyEvent WHERE Text = \"a\\\\b\\\"c\"");
    expect_format("SELECT * FROM MyEvent WHERE Text = \"\"\"\"", "SELECT * FROM MyEvent WHERE Text = \"\\\"\"");
    expect_format("SELECT * FROM MyEvent WHERE Text = 'c:\\windows'",
                  "SELECT * FROM MyEvent WHERE Text = \"c:\\\\windows\"");
    expect_format("SELECT * FROM MyEvent WHERE R64 > 1e3", "SELECT * FROM MyEvent WHERE R64 > 1000.0");
    expect_format("SELECT * FROM MyEvent WHERE R64 > 0.1", "SELECT * FROM MyEvent WHERE R64 > 0.1");
    expect_format("SELECT * FROM MyEvent WHERE R64 > 1.5E-10", "SELECT * FROM MyEvent WHERE R64 > 1.5e-10");
    expect_format("SELECT * FROM MyEvent WHERE R64 > 1e20", "SELECT * FROM MyEvent WHERE R64 > 1e+20");
    expect_format("SELECT * FROM MyEvent WHERE R64 > -2.50", "SELECT * FROM MyEvent WHERE R64 > -2.5");
    expect_format("SELECT * FROM MyEvent WHERE R64 = 0.30000000000000004",
                  "SELECT * FROM MyEvent WHERE R64 = 0.30000000000000004");
    expect_format("SELECT * FROM MyEvent WITHIN 0x0A", "SELECT * FROM MyEvent WITHIN 10");
    expect_format("SELECT * FROM MyEvent WITHIN 2.50 GROUP WITHIN 1e1",
                  "SELECT * FROM MyEvent WITHIN 2.5 GROUP WITHIN 10.0");
    expect_format("SELECT * FROM MyEvent WHERE S64 = -9223372036854775808",
                  "SELECT * FROM MyEvent WHERE S64 = -9223372036854775808");
    expect_format("SELECT * FROM MyEvent WHERE U64 = 0xffffffffffffffff",
                  "SELECT * FROM MyEvent WHERE U64 = 18446744073709551615");
    expect_format("SELECT * FROM MyEvent WHERE Flag = true or Flag = False",
                  "SELECT * FROM MyEvent WHERE Flag = TRUE OR Flag = FALSE");
    expect_format("SELECT * FROM MyEvent WHERE Text is not null and Child is null",
                  "SELECT * FROM MyEvent WHERE Text IS NOT NULL AND Child IS NULL");
    expect_format("SELECT * FROM MyEvent WHERE Text = null", "SELECT * FROM MyEvent WHERE Text = NULL");
    expect_format("select S32 , U32 from MyEvent", "SELECT S32, U32 FROM MyEvent");
    expect_format("SELECT * FROM MyEvent WHERE Child . Name = 'x'",
                  "SELECT * FROM MyEvent WHERE Child.Name = \"x\"");
    expect_format("SELECT * FROM MyEvent;", "SELECT * FROM MyEvent");
    expect_format("select * from EmailEvent group within 300 by Sender having numberofevents > 5",
                  "SELECT * FROM EmailEvent GROUP WITHIN 300 BY Sender HAVING numberofevents > 5");
    expect_format("select * from MyEvent group within 300 by Text,U32",
                  "SELECT * FROM MyEvent GROUP WITHIN 300 BY Text, U32");
    expect_format("SELECT * FROM MyEvent WHERE any isa 'MyChild'", "SELECT * FROM MyEvent WHERE any ISA \"MyChild\"");
    expect_format("SELECT * FROM MyEvent WHERE 5 < S32", "SELECT * FROM MyEvent WHERE 5 < S32");
    expect_format("SELECT * FROM MyEvent WHERE 5 >= S32 AND S32 <= 7", "SELECT * FROM MyEvent WHERE 5 >= S32 AND S32 <= 7");
    expect_format("  SELECT\n*\tFROM   MyEvent\r\n WHERE\nText='x'  ", "SELECT * FROM MyEvent WHERE Text = \"x\"");
    expect_format("SELECT * FROM MyEvent WHERE Text = 'h\xc3\xa9llo'",
                  "SELECT * FROM MyEvent WHERE Text = \"h\xc3\xa9llo\"");
}

/* snprintf-like truncation */
static void test_format_truncation(void **state)
{
    (void)state;
    wbemev_query_t *q = NULL;
    assert_wbemev_ok(wbemev_query_parse("select * from MyEvent", &q, NULL));
    const char *full = "SELECT * FROM MyEvent";
    size_t len = strlen(full);
    assert_int_equal(wbemev_query_format(q, NULL, 0), len);
    char buf[64];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(wbemev_query_format(q, buf, 0), len);
    assert_int_equal(buf[0], 'x'); /* size 0: nothing written */
    assert_int_equal(wbemev_query_format(q, buf, 1), len);
    assert_string_equal(buf, "");
    assert_int_equal(wbemev_query_format(q, buf, 7), len);
    assert_string_equal(buf, "SELECT");
    assert_int_equal(wbemev_query_format(q, buf, len), len);
    assert_string_equal(buf, "SELECT * FROM MyEven");
    assert_int_equal(wbemev_query_format(q, buf, len + 1), len);
    assert_string_equal(buf, full);
    assert_int_equal(wbemev_query_format(NULL, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    wbemev_query_release(q);
}

/* Reals read and print with '.', whatever LC_NUMERIC says. */
static void test_locale_independent(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "German"};
    bool found = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++)
        found = setlocale(LC_NUMERIC, names[i]) != NULL;
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    if (!found || strcmp(probe, "1,5") != 0) {
        setlocale(LC_NUMERIC, "C");
        skip(); /* no locale with a decimal comma installed */
    }
    expect_format("SELECT * FROM MyEvent WITHIN 2.5 WHERE R64 > 1.5e3 AND R64 < 0.25",
                  "SELECT * FROM MyEvent WITHIN 2.5 WHERE R64 > 1500.0 AND R64 < 0.25");
    wbemev_query_t *q = NULL;
    assert_wbemev_ok(wbemev_query_parse("SELECT * FROM MyEvent WITHIN 2.5", &q, NULL));
    assert_true(wbemev_query_within(q) == 2.5);
    wbemev_query_release(q);
    setlocale(LC_NUMERIC, "C");
}

/* ---- messages ---- */

static void expect_message(const char *text, wbemev_status status, size_t column, const char *part)
{
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    memset(&err, 0x55, sizeof err);
    wbemev_status st = wbemev_query_parse(text, &q, &err);
    assert_wbemev_status(st, status);
    assert_null(q);
    assert_wbemev_status(err.status, status);
    assert_int_equal(err.column, column);
    if (strstr(err.message, part) == NULL) {
        print_error("\"%s\": message \"%s\" lacks \"%s\"\n", text, err.message, part);
        fail();
    }
}

static void test_messages(void **state)
{
    wbemev_namespace_t *ns = *state;
    expect_message("SELECT * Frm MyEvent", INVQ, 10, "expected FROM after the select list, found 'Frm' at column 10");
    expect_message("SELECT * FROM", INVQ, 14, "expected an event class name after FROM, found the end of the query");
    expect_message("", UNP, 0, "empty");
    expect_message("DELETE FROM x", UNP, 1, "expected SELECT");
    expect_message("SELECT * FROM X WHERE A = 'abc", UNP, 27, "unterminated string at column 27");
    expect_message("SELECT * FROM X WHERE (A = 1", INVQ, 29, "')' to close the '(' at column 23");
    expect_message("SELECT * FROM X WHERE A = B", INVQ, 27, "cannot compare two properties");
    expect_message("SELECT * FROM X WHERE 1 = 2", INVQ, 27, "needs a property");
    expect_message("SELECT * FROM X WHERE A >= NULL", INVQ, 28, "IS [NOT] NULL");
    expect_message("SELECT * FROM X WHERE A IS 5", INVQ, 28, "NULL or NOT NULL after IS");
    expect_message("SELECT * FROM X GROUP BY A", MGW, 23, "BY needs GROUP WITHIN");
    expect_message("SELECT * FROM X HAVING NumberOfEvents > 1", MGW, 17, "HAVING needs GROUP WITHIN");
    expect_message("SELECT * FROM X GROUP WITHIN 5 HAVING Count > 1", IPROP, 39, "NumberOfEvents");
    expect_message("SELECT * FROM X WITHIN 0", INVQ, 24, "positive");
    expect_message("SELECT * FROM X WHERE A = 1 WITHIN 5", INVQ, 29, "WITHIN must come before WHERE");
    expect_message("SELECT * FROM X WHERE A.Group = 1", INVQ, 25, "reserved word");
    expect_message("SELECT * FROM X WHERE A = 1 $", INVQ, 29, "not part of WQL");
    expect_message("SELECT * FROM X WHERE A = 12ab", INVQ, 27, "malformed number: '12ab'");
    expect_message("SELECT * FROM X WHERE A = 99999999999999999999", INVQ, 27, "does not fit in 64 bits");
    /* A negative hexadecimal constant has the same floor as a decimal one. */
    expect_message("SELECT * FROM X WHERE A = -0x8CCCCCCCCCCCCCC7", INVQ, 27, "does not fit in 64 bits");
    expect_message("SELECT * FROM X WHERE \xc3\xa9 = 1", INVQ, 23, "not part of WQL");
    expect_message("SELECT * FROM X WHERE A = '\xc3\xa9' AND B = \xff", UNP, 39, "invalid UTF-8");
    expect_message("SELECT * FROM X WHERE A = '\xc3\xa9\xff'", UNP, 29, "invalid UTF-8");
    /* columns count characters, and a newline is one of them */
    expect_message("SELECT *\nFROM X\nWHERE A = = 1", INVQ, 27, "expected a constant");
    expect_message("SELECT * FROM X WHERE A = '\xe6\x97\xa5\xe6\x9c\xac' ) ", INVQ, 32, "found ')'");

    /* compile errors name the class or property */
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM MyEvent WHERE Child.Nope = 1", ns, &q, &err), IPROP);
    assert_null(q);
    assert_int_equal(err.column, 35);
    assert_non_null(strstr(err.message, "MyChild has no property 'Nope'"));
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM Win32_Process", ns, &q, &err), NEV);
    assert_non_null(strstr(err.message, "not an event class"));
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM NoSuch", ns, &q, &err), ICLS);
    assert_non_null(strstr(err.message, "unknown class 'NoSuch' at column 15"));
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM MyEvent WHERE S32 = 'x'", ns, &q, &err), TYPE);
    assert_non_null(strstr(err.message, "sint32"));
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM MyEvent WHERE S32.Low = 1", ns, &q, &err), IPROP);
    assert_non_null(strstr(err.message, "not an embedded object"));
    assert_null(q);
}

/* ---- limits ---- */

static char *repeat(const char *prefix, const char *unit, size_t n, const char *middle, const char *unit2,
                    size_t n2, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(unit) * n + strlen(middle) + strlen(unit2) * n2 + strlen(suffix);
    char *s = malloc(len + 1);
    assert_non_null(s);
    char *p = s;
    p += sprintf(p, "%s", prefix);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s", unit);
    p += sprintf(p, "%s", middle);
    for (size_t i = 0; i < n2; i++)
        p += sprintf(p, "%s", unit2);
    sprintf(p, "%s", suffix);
    return s;
}

static wbemev_status parse_status(const char *text, wbemev_query_error *err)
{
    wbemev_query_t *q = NULL;
    wbemev_status st = wbemev_query_parse(text, &q, err);
    wbemev_query_release(q);
    return st;
}

static void test_limits(void **state)
{
    wbemev_namespace_t *ns = *state;
    wbemev_query_error err;
    const char *base = "SELECT * FROM MyEvent";
    size_t blen = strlen(base);

    /* exactly WBEMEV_MAX_QUERY characters; one more is rejected */
    char *s = repeat(base, " ", WBEMEV_MAX_QUERY - blen, "", "", 0, "");
    assert_int_equal(strlen(s), WBEMEV_MAX_QUERY);
    assert_wbemev_ok(parse_status(s, &err));
    free(s);
    s = repeat(base, " ", WBEMEV_MAX_QUERY - blen + 1, "", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_int_equal(err.column, 0);
    assert_non_null(strstr(err.message, "longer than 16384 characters"));
    free(s);
    /* characters, not bytes: 0x4000 characters of which many are two bytes long */
    s = repeat("SELECT * FROM MyEvent WHERE Text = '", "\xc3\xa9", WBEMEV_MAX_QUERY - 37, "'", "", 0, "");
    assert_true(strlen(s) > WBEMEV_MAX_QUERY);
    assert_wbemev_ok(parse_status(s, &err));
    free(s);
    /* a huge text is rejected without reading all of it being a problem */
    s = repeat(base, " ", 1000000, "", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    free(s);

    /* identifiers: WBEMEV_MAX_IDENTIFIER characters parse (and are unknown), one more does not */
    s = repeat("SELECT * FROM MyEvent WHERE ", "a", WBEMEV_MAX_IDENTIFIER, " = 1", "", 0, "");
    assert_wbemev_ok(parse_status(s, &err));
    wbemev_query_t *q = NULL;
    assert_wbemev_status(wbemev_query_compile(s, ns, &q, &err), IPROP);
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "a", WBEMEV_MAX_IDENTIFIER + 1, " = 1", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_int_equal(err.column, 29);
    assert_non_null(strstr(err.message, "longer than 4096"));
    free(s);
    s = repeat("SELECT * FROM ", "E", WBEMEV_MAX_IDENTIFIER + 1, "", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    free(s);

    /* nesting: 64 levels parse, 65 do not; 10,000 parentheses are refused cleanly */
    s = repeat("SELECT * FROM MyEvent WHERE ", "(", 64, "S32 = 1", ")", 64, "");
    assert_wbemev_ok(parse_status(s, &err));
    assert_wbemev_ok(wbemev_query_compile(s, ns, &q, &err));
    wbemev_query_release(q);
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "(", 65, "S32 = 1", ")", 65, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_int_equal(err.column, 29 + 64);
    assert_non_null(strstr(err.message, "too deeply nested"));
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "NOT ", 64, "S32 = 1", "", 0, "");
    assert_wbemev_ok(parse_status(s, &err));
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "NOT (", 33, "S32 = 1", ")", 33, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_non_null(strstr(err.message, "too deeply nested"));
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "(", 8000, "S32 = 1", ")", 8000, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_non_null(strstr(err.message, "too deeply nested"));
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "(", 10000, "S32 = 1", ")", 10000, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE ", "NOT ", 4000, "S32 = 1", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    assert_non_null(strstr(err.message, "too deeply nested"));
    free(s);
    /* long flat chains are fine: AND/OR lists do not nest */
    s = repeat("SELECT * FROM MyEvent WHERE S32 = 0", " OR S32 = 1", 1400, "", "", 0, "");
    assert_wbemev_ok(parse_status(s, &err));
    assert_wbemev_ok(wbemev_query_compile(s, ns, &q, &err));
    wbemev_query_release(q);
    free(s);
    /* a long number */
    s = repeat("SELECT * FROM MyEvent WHERE R64 = 1.", "0", 300, "", "", 0, "");
    assert_wbemev_status(parse_status(s, &err), INVQ);
    free(s);
    s = repeat("SELECT * FROM MyEvent WHERE R64 = 1.", "0", 200, "", "", 0, "");
    assert_wbemev_ok(parse_status(s, &err));
    free(s);
}

/* ---- API ---- */

static void test_null_arguments(void **state)
{
    wbemev_namespace_t *ns = *state;
    wbemev_query_t *q = (wbemev_query_t *)&q; /* must stay untouched */
    wbemev_query_error err;
    assert_wbemev_status(wbemev_query_parse(NULL, &q, &err), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(err.status, WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_query_parse("SELECT * FROM MyEvent", NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_query_compile(NULL, ns, &q, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM MyEvent", NULL, &q, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_query_compile("SELECT * FROM MyEvent", ns, NULL, NULL), WBEMEV_E_INVALID_PARAMETER);
    assert_wbemev_status(wbemev_query_parse("SELECT * FROM", &q, NULL), INVQ);
    assert_ptr_equal(q, (wbemev_query_t *)&q);
    assert_null(wbemev_query_add_ref(NULL));
    wbemev_query_release(NULL);
    assert_null(wbemev_query_class_name(NULL));
    assert_null(wbemev_query_class(NULL));
    assert_null(wbemev_query_text(NULL));
    assert_false(wbemev_query_has_where(NULL));
    assert_false(wbemev_query_matches(NULL, NULL));
    assert_false(wbemev_query_selects_all(NULL));
    assert_int_equal(wbemev_query_select_count(NULL), 0);
    assert_null(wbemev_query_select_name(NULL, 0));
    assert_false(wbemev_query_selects(NULL, "x"));
    assert_false(wbemev_query_has_within(NULL));
    assert_true(wbemev_query_within(NULL) == 0.0);
    assert_false(wbemev_query_has_group(NULL));
    assert_true(wbemev_query_group_within(NULL) == 0.0);
    assert_int_equal(wbemev_query_group_by_count(NULL), 0);
    assert_null(wbemev_query_group_by_name(NULL, 0));
    assert_null(wbemev_query_group_by(NULL));
    assert_false(wbemev_query_has_having(NULL));
    assert_false(wbemev_query_having_matches(NULL, 1));
    wbemev_value v;
    assert_wbemev_status(wbemev_query_group_by_get(NULL, 0, NULL, &v), WBEMEV_E_INVALID_PARAMETER);
}

static void test_accessors(void **state)
{
    wbemev_namespace_t *ns = *state;
    wbemev_query_t *q = NULL;
    wbemev_query_error err;
    const char *text = "select Text, child.Name FROM MyEvent WITHIN 2.5 WHERE S32 > 1 "
                       "GROUP WITHIN 60 BY Text, Child.Leaf.Label HAVING NumberOfEvents >= 3 AND NumberOfEvents <> 7";
    memset(&err, 0x55, sizeof err);
    assert_wbemev_ok(wbemev_query_compile(text, ns, &q, &err));
    assert_int_equal(err.status, OK);
    assert_int_equal(err.column, 0);
    assert_string_equal(err.message, "");
    assert_string_equal(wbemev_query_text(q), text);
    assert_string_equal(wbemev_query_class_name(q), "MyEvent");
    assert_string_equal(wbemev_class_name(wbemev_query_class(q)), "MyEvent");
    assert_true(wbemev_query_has_where(q));
    assert_false(wbemev_query_selects_all(q));
    assert_int_equal(wbemev_query_select_count(q), 2);
    assert_string_equal(wbemev_query_select_name(q, 0), "Text");
    assert_string_equal(wbemev_query_select_name(q, 1), "child.Name");
    assert_null(wbemev_query_select_name(q, 2));
    assert_true(wbemev_query_selects(q, "TEXT"));
    assert_true(wbemev_query_selects(q, "Child"));
    assert_true(wbemev_query_selects(q, "child.name"));
    assert_true(wbemev_query_selects(q, "__CLASS"));
    assert_false(wbemev_query_selects(q, "S32"));
    assert_false(wbemev_query_selects(q, "Name"));
    assert_false(wbemev_query_selects(q, "Tex"));
    assert_true(wbemev_query_has_within(q));
    assert_true(wbemev_query_within(q) == 2.5);
    assert_true(wbemev_query_has_group(q));
    assert_true(wbemev_query_group_within(q) == 60.0);
    assert_int_equal(wbemev_query_group_by_count(q), 2);
    assert_string_equal(wbemev_query_group_by(q), "Text");
    assert_string_equal(wbemev_query_group_by_name(q, 1), "Child.Leaf.Label");
    assert_null(wbemev_query_group_by_name(q, 2));
    assert_true(wbemev_query_has_having(q));
    assert_false(wbemev_query_having_matches(q, 0));
    assert_false(wbemev_query_having_matches(q, 2));
    assert_true(wbemev_query_having_matches(q, 3));
    assert_false(wbemev_query_having_matches(q, 7));
    assert_true(wbemev_query_having_matches(q, 8));
    assert_true(wbemev_query_having_matches(q, UINT32_MAX));
    /* shared: a second reference keeps it alive */
    assert_ptr_equal(wbemev_query_add_ref(q), q);
    wbemev_query_release(q);
    assert_string_equal(wbemev_query_class_name(q), "MyEvent");
    wbemev_query_release(q);

    assert_wbemev_ok(wbemev_query_parse("SELECT * FROM EmailEvent", &q, NULL));
    assert_null(wbemev_query_class(q));
    assert_true(wbemev_query_selects_all(q));
    assert_int_equal(wbemev_query_select_count(q), 1);
    assert_string_equal(wbemev_query_select_name(q, 0), "*");
    assert_null(wbemev_query_select_name(q, 1));
    assert_true(wbemev_query_selects(q, "anything"));
    assert_false(wbemev_query_has_where(q));
    assert_false(wbemev_query_has_within(q));
    assert_true(wbemev_query_within(q) == 0.0);
    assert_false(wbemev_query_has_group(q));
    assert_int_equal(wbemev_query_group_by_count(q), 0);
    assert_null(wbemev_query_group_by(q));
    assert_false(wbemev_query_has_having(q));
    assert_true(wbemev_query_having_matches(q, 0)); /* no HAVING: every window passes */
    wbemev_query_release(q);

    assert_wbemev_ok(wbemev_query_parse("SELECT * FROM EmailEvent GROUP WITHIN 0.25 HAVING 5 < NumberOfEvents", &q, NULL));
    assert_true(wbemev_query_group_within(q) == 0.25);
    assert_false(wbemev_query_having_matches(q, 5));
    assert_true(wbemev_query_having_matches(q, 6));
    wbemev_query_release(q);
}

/* ---- out of memory: every allocation failing in turn, nothing leaked ---- */

typedef struct fail_alloc {
    long countdown; /* allocations left before failing; < 0: never fail */
} fail_alloc;

static fail_alloc g_fail = {-1};

static bool should_fail(void)
{
    if (g_fail.countdown < 0)
        return false;
    if (g_fail.countdown == 0)
        return true;
    g_fail.countdown--;
    return false;
}

static void *f_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return should_fail() ? NULL : malloc(n);
}

static void *f_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return should_fail() ? NULL : realloc(p, n);
}

static void f_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

static void test_out_of_memory(void **state)
{
    (void)state; /* this test needs its own namespace, made with the failing allocator */
    static const wbemev_allocator fa = {f_malloc, f_realloc, f_free, NULL};
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_wbemev_ok(wbemev_set_allocator(&fa));
    g_fail.countdown = -1;
    wbemev_namespace_t *ns = make_namespace();
    const char *texts[] = {
        "SELECT * FROM __InstanceCreationEvent WITHIN 600 WHERE TargetInstance ISA \"Win32_NTLogEvent\" "
        "GROUP WITHIN 600 BY TargetInstance.SourceName HAVING NumberOfEvents > 25",
        "SELECT Text, Child.Leaf.Label FROM MyEvent WHERE (S32 = 1 OR NOT Text LIKE 'a%') AND "
        "When > '20240101000000.000000+000' AND Child.Leaf.Value <> -3 AND Any ISA 'MyChild'",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        for (int pass = 0; pass < 2; pass++) {
            bool done = false;
            for (long n = 0; !done; n++) {
                size_t before = wbemev_live_allocations();
                wbemev_query_t *q = NULL;
                wbemev_query_error err;
                g_fail.countdown = n;
                wbemev_status st = pass == 0 ? wbemev_query_parse(texts[t], &q, &err)
                                             : wbemev_query_compile(texts[t], ns, &q, &err);
                g_fail.countdown = -1;
                if (st == OK) {
                    done = true;
                    wbemev_query_release(q);
                } else {
                    assert_wbemev_status(st, WBEMEV_E_OUT_OF_MEMORY);
                    assert_wbemev_status(err.status, WBEMEV_E_OUT_OF_MEMORY);
                    assert_null(q);
                }
                assert_int_equal(wbemev_live_allocations(), before);
                assert_true(n < 1000);
            }
        }
    }
    wbemev_namespace_release(ns);
    assert_int_equal(wbemev_live_allocations(), 0);
    assert_wbemev_ok(wbemev_set_allocator(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test(test_locale_independent),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_accessors),
    };
    const struct CMUnitTest alone[] = {
        cmocka_unit_test(test_out_of_memory),
    };
    int failed = cmocka_run_group_tests_name("query", tests, setup, teardown);
    failed += cmocka_run_group_tests_name("query_oom", alone, NULL, NULL);
    return failed;
}
