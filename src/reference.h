/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_REFERENCE_H
#define KIMB_REFERENCE_H

/* Docker's reference grammar (distribution/reference): [DOMAIN/]PATH[:TAG][@DIGEST].
 * Two references name the same repository when their `repository` strings are equal. */

#include <stdbool.h>

struct reference {
	char *name;       /* as written, tag and digest cut off: "app", "localhost:5000/team/app" */
	char *repository; /* normalized: domain added, "library/" added: "docker.io/library/app" */
	char *tag;        /* NULL when absent */
	char *digest;     /* "sha256:<hex>", NULL when absent */
	bool domain_given; /* NAME starts with a registry domain; else the domain was added */
};

/* Parses TEXT. Returns 0 and fills OUT (release with reference_free), or -1 with
 * *WHY set to a static one-line reason and OUT untouched. */
int reference_parse(const char *text, struct reference *out, const char **why);

void reference_free(struct reference *ref);

/* NAME:TAG in a malloc'd string. */
char *reference_join(const char *name, const char *tag);

/* True when TAG matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool reference_tag_is_valid(const char *tag);

#endif
