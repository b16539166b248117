/* regs_x86_64.S - test helper for test_coro.c.
 *
 * void test_call_with_regs(void (*fn)(void *), void *arg,
 *                          const uint64_t in[6], uint64_t out[6])
 *   Loads rbx, rbp, r12, r13, r14, r15 from in[0..5], calls fn(arg), then
 *   stores the same six registers into out[0..5] and restores the caller's.
 *   If fn switches away and back, out must equal in: every callee-saved
 *   register has to survive the round trip, whatever the compiler does.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
	.text
	.globl	test_call_with_regs
	.type	test_call_with_regs, @function
	.p2align 4
test_call_with_regs:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	pushq	%rcx			/* out; seven pushes leave rsp 16-aligned */
	.cfi_adjust_cfa_offset 8
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	0(%rdx), %rbx
	movq	8(%rdx), %rbp
	movq	16(%rdx), %r12
	movq	24(%rdx), %r13
	movq	32(%rdx), %r14
	movq	40(%rdx), %r15
	call	*%rax
	popq	%rax
	.cfi_adjust_cfa_offset -8
	movq	%rbx, 0(%rax)
	movq	%rbp, 8(%rax)
	movq	%r12, 16(%rax)
	movq	%r13, 24(%rax)
	movq	%r14, 32(%rax)
	movq	%r15, 40(%rax)
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_endproc
	.size	test_call_with_regs, .-test_call_with_regs
#endif
	.section .note.GNU-stack,"",@progbits
