/* SPDX-License-Identifier: Apache-2.0 */
#include "xalloc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Noreturn void out_of_memory(void)
{
	static const char message[] = "kimb: out of memory\n";

	/* write, not stdio: stdio may want memory itself. */
	(void)!write(STDERR_FILENO, message, sizeof message - 1);
	_exit(1);
}

void *xmalloc(size_t size)
{
	void *pointer = malloc(size ? size : 1);
	if (!pointer)
		out_of_memory();
	return pointer;
}

void *xcalloc(size_t count, size_t size)
{
	void *pointer = calloc(count ? count : 1, size ? size : 1);
	if (!pointer)
		out_of_memory();
	return pointer;
}

void *xrealloc(void *pointer, size_t size)
{
	void *grown = realloc(pointer, size ? size : 1);
	if (!grown)
		out_of_memory();
	return grown;
}

char *xstrdup(const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		out_of_memory();
	return copy;
}

char *xstrndup(const char *text, size_t length)
{
	char *copy = strndup(text, length);
	if (!copy)
		out_of_memory();
	return copy;
}

char *xprintf(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (length < 0)
		out_of_memory(); /* only an encoding error could fail, and kimb formats none */
	char *text = xmalloc((size_t)length + 1);
	va_start(args, format);
	(void)vsnprintf(text, (size_t)length + 1, format, args);
	va_end(args);
	return text;
}

void xalloc_json(void)
{
	json_set_alloc_funcs(xmalloc, free);
}
