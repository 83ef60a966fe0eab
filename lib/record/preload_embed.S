/* The syscall buffer library (preload/), embedded in rec. */
	.section .rodata
	.globl rrk_preload_so
	.globl rrk_preload_so_end
	.balign 16
rrk_preload_so:
	.incbin "rrk_preload.so"
rrk_preload_so_end:
	.section .note.GNU-stack,"",@progbits
