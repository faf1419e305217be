/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_DESCRIPTORS_H
#define KIMB_DESCRIPTORS_H

/* The standard descriptors, made sure of before kimb opens anything: a closed one would be the
 * next file kimb opens (the lock directory, a lock file, a record), and what kimb or a builder
 * writes to stdout or stderr would land in it. */

/* Opens /dev/null on each of descriptors 0, 1 and 2 that is closed: for reading on 0; for reading
 * only on 1 too, so that writing the result to a closed stdout still fails (EBADF), the error
 * kimb reports; for writing on 2, where kimb's messages and the builders' output then vanish, as
 * the caller asked. Returns 0, or -1 with errno set. */
int descriptors_open_standard(void);

#endif
