/*
 * ctorlib.h - what tests/shim/ctorlib.c (libctor.so) tells the program that
 * links it (ctorcheck) about the checks its constructor ran.
 */
#ifndef TESTS_SHIM_CTORLIB_H
#define TESTS_SHIM_CTORLIB_H

/* How many checks the constructors of libctor.so (and of libctor_dl.so,
 * which it loads) ran, and how many of them failed. */
int ctorlib_checks(void);
int ctorlib_failures(void);

#endif
