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

/* Writes "kimb: ", the printf-style message and a newline to stderr, in one write. */
void report_say(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
