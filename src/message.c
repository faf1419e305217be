/* SPDX-License-Identifier: Apache-2.0 */
#include "message.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

void message_vadd(struct message *message, const char *format, va_list args)
{
	va_list again;
	va_copy(again, args);
	int length = vsnprintf(NULL, 0, format, args);
	if (length < 0) {
		va_end(again);
		return;
	}
	message->text = xrealloc(message->text, message->length + (size_t)length + 1);
	(void)vsnprintf(message->text + message->length, (size_t)length + 1, format, again);
	va_end(again);
	message->length += (size_t)length;
}

void message_add(struct message *message, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	message_vadd(message, format, args);
	va_end(args);
}

void message_free(struct message *message)
{
	free(message->text);
	*message = (struct message){0};
}

static enum verbosity verbosity = VERBOSITY_NORMAL;

void message_set_verbosity(enum verbosity chosen)
{
	verbosity = chosen;
}

enum verbosity message_verbosity(void)
{
	return verbosity;
}

/* Writes TEXT, LENGTH bytes, to stderr in one write (as far as the system allows). */
static void write_stderr(const char *text, size_t length)
{
	for (size_t written = 0; written < length;) {
		ssize_t count = write(STDERR_FILENO, text + written, length - written);
		if (count < 0 && errno == EINTR)
			continue;
		if (count <= 0)
			break; /* nowhere left to say it */
		written += (size_t)count;
	}
}

void report_progress(size_t done, size_t total)
{
	char line[64];
	int length = snprintf(line, sizeof line, "\rkimb: removing %zu/%zu", done, total);
	if (length > 0 && (size_t)length < sizeof line)
		write_stderr(line, (size_t)length);
}

void report_progress_end(void)
{
	/* Back to the line's start, and erase it (ECMA-48 EL). */
	static const char erase[] = "\r\033[K";
	write_stderr(erase, sizeof erase - 1);
}

__attribute__((format(printf, 1, 0))) static void say_line(const char *format, va_list args)
{
	struct message line = {0};
	message_add(&line, "kimb: ");
	message_vadd(&line, format, args);
	message_add(&line, "\n");
	/* One line: a control character inside it would start another, or rewrite this one. */
	for (size_t i = 0; i + 1 < line.length; i++)
		if ((unsigned char)line.text[i] < 0x20 || line.text[i] == 0x7f)
			line.text[i] = '?';
	write_stderr(line.text, line.length);
	message_free(&line);
}

void report_say(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	say_line(format, args);
	va_end(args);
}

void report_note(const char *format, ...)
{
	if (verbosity == VERBOSITY_QUIET)
		return;
	va_list args;
	va_start(args, format);
	say_line(format, args);
	va_end(args);
}
