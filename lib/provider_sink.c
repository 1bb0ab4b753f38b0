/* placeholder: implementation in progress */
typedef int wbemev__placeholder_provider_sink;
