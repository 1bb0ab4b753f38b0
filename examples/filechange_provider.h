/*
 * examples/filechange_provider.h: a real event source. It watches one directory with Linux inotify
 * and fires one event per file created, modified or deleted in it.
 *
 *   FileChange_Event : __ExtrinsicEvent { string Directory; string FileName; string Path;
 *                                         string Action; boolean IsDirectory; uint64 Size; }
 *     FileCreated_Event : FileChange_Event    created, or moved into the directory
 *     FileModified_Event : FileChange_Event   written and closed (one event per writer, not per write)
 *     FileDeleted_Event : FileChange_Event    deleted, or moved out of the directory
 *
 * Action is "created", "modified" or "deleted"; Size is the file's size when the provider read
 * the change (NULL for a deletion, or when the file was gone by then: a watcher sees changes after
 * the fact). Consumers pick what they want with the class and WQL:
 *
 *   SELECT * FROM FileDeleted_Event
 *   SELECT * FROM FileChange_Event WHERE FileName LIKE "%.log"
 *
 * A modification is reported when a file that was written is closed (IN_CLOSE_WRITE after IN_MODIFY),
 * so `echo x >> f` gives one event, however many write calls it makes, and creating an empty file
 * gives only FileCreated_Event. A file kept open and written (a log) is reported when it is closed.
 *
 * The watch is set up when the provider is created, so nothing that happens after
 * filechange_provider_new() returns is missed: events wait in the kernel's queue until
 * ProvideEvents starts the reader thread. When the kernel queue overflows (IN_Q_OVERFLOW), the
 * lost changes are counted, not invented.
 */
#ifndef FILECHANGE_PROVIDER_H
#define FILECHANGE_PROVIDER_H

#include "wbemev.h"
#include "wbemev/mof.h"

#define FILECHANGE_EVENT_CLASS "FileChange_Event"
#define FILECREATED_EVENT_CLASS "FileCreated_Event"
#define FILEMODIFIED_EVENT_CLASS "FileModified_Event"
#define FILEDELETED_EVENT_CLASS "FileDeleted_Event"

/* Namespace, provider name "FileChangeProvider", CLSID, the four classes and the EventQueryList. */
extern const wbemev_registration filechange_registration;

/*
 * Creates the provider watching `directory` (copied), with one reference.
 * WBEMEV_E_INVALID_PARAMETER: NULL argument, or not a directory; WBEMEV_E_NOT_FOUND: no such
 * directory; WBEMEV_E_ACCESS_DENIED; WBEMEV_E_OUT_OF_MEMORY; WBEMEV_E_FAILED: inotify refused
 * (see /proc/sys/fs/inotify/max_user_watches and max_user_instances).
 */
wbemev_status filechange_provider_new(const char *directory, wbemev_provider_t **out);

/* Changes lost to kernel queue overflows so far. */
unsigned long long filechange_provider_lost(wbemev_provider_t *provider);

#endif /* FILECHANGE_PROVIDER_H */
