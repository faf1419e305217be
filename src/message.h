/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_MESSAGE_H
#define KIMB_MESSAGE_H

/* What kimb says: each line formatted once, whole, its control characters replaced (a name quoted
 * from a listing or the command line may hold any), and written with one write, so that lines of
 * processes writing at once never mix (git's usage.c). */

#include <stdarg.h>
#include <stddef.h>

/* A text that grows as it is formatted: for the reasons library layers give. A function that can
 * fail takes a struct message *WHY and appends its reason there, whole and without "kimb: "; its
 * caller, which declares it {0}, says it with report_say("%s", why.text) or passes it on, and frees
 * it with message_free. */
struct message {
	char *text; /* NUL-terminated; NULL while empty */
	size_t length;
};

/* Appends the printf-style FORMAT to MESSAGE. */
void message_add(struct message *message, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* message_add with the arguments of a caller's own printf-style function. */
void message_vadd(struct message *message, const char *format, va_list args) __attribute__((format(printf, 2, 0)));

void message_free(struct message *message);

/* Writes "kimb: ", the printf-style message and a newline to stderr, in one write: errors and
 * warnings, which every verbosity tells. */
void report_say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* How much kimb says on stderr: --quiet only errors and warnings (report_say), the default also
 * what it did (report_note), --verbose also each call it makes (process.h). */
enum verbosity { VERBOSITY_NORMAL, VERBOSITY_QUIET, VERBOSITY_VERBOSE };

/* Sets the verbosity of the run (VERBOSITY_NORMAL until set); read with message_verbosity. */
void message_set_verbosity(enum verbosity verbosity);
enum verbosity message_verbosity(void);

/* Writes "\rkimb: removing DONE/TOTAL" to stderr, no newline: one line that each call rewrites, for
 * a terminal only (the caller checks). report_progress_end erases it before other lines follow. */
void report_progress(size_t done, size_t total);
void report_progress_end(void);

/* report_say for a line that only tells what kimb did, not what went wrong: not under --quiet. */
void report_note(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
