/* From a patched syscall site to the C hook. The site's thunk has moved
 * rsp below the red zone and called here with the syscall's registers:
 * rax = number, rdi rsi rdx r10 r8 r9 = arguments. Like the syscall
 * instruction, this keeps every register but rax (the result), rcx and
 * r11 (cleared, whatever the hook did, so that record and replay leave
 * the same values). */
	.text
	.globl rrk_sb_entry
	.hidden rrk_sb_entry
	.type rrk_sb_entry, @function
rrk_sb_entry:
	push %rbp
	mov %rsp, %rbp
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	and $-16, %rsp
	sub $64, %rsp
	mov %rax, 0(%rsp)
	mov %rdi, 8(%rsp)
	mov %rsi, 16(%rsp)
	mov %rdx, 24(%rsp)
	mov %r10, 32(%rsp)
	mov %r8, 40(%rsp)
	mov %r9, 48(%rsp)
	mov %rsp, %rdi
	call rrk_sb_hook
	lea -48(%rbp), %rsp
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	xor %ecx, %ecx
	xor %r11d, %r11d
	ret
	.size rrk_sb_entry, . - rrk_sb_entry

	.section .note.GNU-stack, "", @progbits
