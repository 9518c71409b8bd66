/* _retrace.c — the CPython side of retrace: a small extension module.
 *
 * For now it tells a Python program whether it runs under retrace and in which mode, through the
 * one entry point libretrace.so exports for it.  Python locations and identity checkpoints for
 * divergence reports build on this (see DESIGN.md §9).  Loading it without libretrace.so
 * preloaded is fine: it then reports "off".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>

typedef const char *(*mode_fn)(void);

static PyObject *retrace_mode(PyObject *self, PyObject *unused)
{
	mode_fn fn = (mode_fn)dlsym(RTLD_DEFAULT, "retrace_pyhooks_mode");
	return PyUnicode_FromString(fn ? fn() : "off");
}

static PyMethodDef retrace_methods[] = {
	{ "mode", retrace_mode, METH_NOARGS,
	  "mode() -> 'record', 'replay' or 'off': what retrace is doing to this process." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef retrace_module = {
	PyModuleDef_HEAD_INIT, "_retrace", "retrace's hooks into CPython.", -1, retrace_methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__retrace(void)
{
	return PyModule_Create(&retrace_module);
}
