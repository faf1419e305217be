#ifndef KIMB_ENV_H
#define KIMB_ENV_H

/* Looks up an environment variable: getenv, or a table in tests. */
typedef const char *(*env_lookup)(const char *name);

/* The process's environment, as an env_lookup. */
const char *env_process(const char *name);

#endif
