/* pyhooks_internal.h — what the files of _retrace.so share (not part of the contract with
 * libretrace, which is interpose/pyhooks.h). */
#ifndef RETRACE_PYHOOKS_INTERNAL_H
#define RETRACE_PYHOOKS_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "internal/pycore_frame.h"
#include "pyhooks.h"

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The calling thread's innermost Python frame that has started running, or NULL. */
_PyInterpreterFrame *pyhooks_innermost_frame(void);
/* A str's text as UTF-8 into out, at most room bytes, without the heap; its length. */
size_t pyhooks_utf8_of(PyObject *s, char *out, size_t room);
/* threads.c: fill the thread part of the table. */
void pyhooks_threads_register(struct rt_pyhooks *h);
/* debug.c: fill the pdb part. */
void pyhooks_debug_register(struct rt_pyhooks *h);
/* dap.c: the editor's debug adapter (retrace-replay --dap), Python run in a session's
 * namespace. */
extern const char pyhooks_dap_py[];

#endif
