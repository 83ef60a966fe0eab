/* Stack overflow caught by a SIGSEGV handler on an alternate signal stack. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static char stack[65536];
static void h(int s){ (void)s; static const char m[] = "overflow caught on the alternate stack\n"; write(1, m, sizeof m - 1); _exit(3); }
static volatile int forever = 1;
static int rec(int n){ volatile char buf[4096]; buf[0] = (char)n; return forever ? rec(n + 1) + buf[0] : 0; }
int main(void){ stack_t ss = { .ss_sp = stack, .ss_size = sizeof stack }; sigaltstack(&ss, 0);
  struct sigaction sa = { 0 }; sa.sa_handler = h; sa.sa_flags = SA_ONSTACK; sigaction(SIGSEGV, &sa, 0);
  printf("recursing\n"); fflush(stdout); return rec(0); }
