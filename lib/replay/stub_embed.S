/* The stub's ELF image, embedded in play. */
	.section .rodata
	.globl rrk_stub_elf
	.globl rrk_stub_elf_end
	.balign 16
rrk_stub_elf:
	.incbin "stub.elf"
rrk_stub_elf_end:
	.section .note.GNU-stack,"",@progbits
