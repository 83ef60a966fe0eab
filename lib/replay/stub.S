/* The replay stub. play execs this, then, before it runs a single
 * instruction, maps the recorded image and unmaps the stub. Its only use
 * is a syscall instruction at a known address for injected syscalls. */
	.text
	.globl _start
_start:
	syscall
	ud2
