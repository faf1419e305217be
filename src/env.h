#ifndef KIMB_ENV_H
#define KIMB_ENV_H

/* Looks up an environment variable: getenv, or a table in tests. */
typedef const char *(*env_lookup)(const char *name);

#endif
