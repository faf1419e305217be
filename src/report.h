#ifndef KIMB_REPORT_H
#define KIMB_REPORT_H

/* What kimb tells its user on stderr: one line each, "kimb: " first, so that stdout holds only the
 * references it built. */

#include <stddef.h>

#include "listing.h"

/* Writes "kimb: ", the printf-style message and a newline to stderr. */
void report_say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* IMAGE's names for a message, in BUF: "NAME:TAG", "NAME:<none>" for a name it lost, joined by
 * ", ", or "<none>" when it has none; cut short to fit SIZE. */
void report_names(const struct image *image, char *buf, size_t size);

#endif
