/* placeholder: implementation in progress */
typedef int wbemev__placeholder_version;
