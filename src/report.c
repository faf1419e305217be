#include "report.h"

#include <stdarg.h>
#include <stdio.h>

void report_say(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	fputs("kimb: ", stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	va_end(args);
}

void report_names(const struct image *image, char *buf, size_t size)
{
	size_t used = 0;
	snprintf(buf, size, "<none>");
	for (size_t i = 0; i < image->name_count && used < size; i++) {
		const struct image_name *name = &image->names[i];
		if (!name->shown)
			continue;
		int written = snprintf(buf + used, size - used, "%s%s:%s", used ? ", " : "", name->shown,
				       name->tag ? name->tag : "<none>");
		if (written < 0)
			break;
		used += (size_t)written;
	}
}
