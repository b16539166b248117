/* coro_x86_64.S - coroutine stack switch for x86-64 System V (see coro.c).
 *
 * void sim_coro__switch(void **save_sp, void *load_sp)
 *   Pushes the callee-saved registers rbp, rbx, r12-r15 and a slot holding
 *   MXCSR (bytes 0-3) and the x87 control word (bytes 4-5), stores rsp in
 *   *save_sp, loads load_sp into rsp and pops the same frame from the other
 *   stack.  Everything else is caller-saved under the ABI, so the C compiler
 *   has already spilled whatever it needs.  No system call.
 *
 * sim_coro__entry
 *   Where a new coroutine "returns" to on its first switch: its hand-built
 *   frame (coro.c) leaves the coroutine pointer in r12 and rsp 16-byte
 *   aligned.  Calls sim_coro__run(c), which never returns.  Its unwind info
 *   marks the return address undefined, so debuggers end backtraces here.
 */
#if defined(__x86_64__) && !defined(__ILP32__) && !defined(SIM_CORO_UCONTEXT)

	.text

	.globl	sim_coro__switch
	.hidden	sim_coro__switch
	.type	sim_coro__switch, @function
	.p2align 4
sim_coro__switch:
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
	subq	$8, %rsp
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)

	/* Both stacks hold the same frame layout, so the unwind info above
	 * stays true across the exchange of stack pointers. */
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp

	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
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
	.size	sim_coro__switch, .-sim_coro__switch

	.globl	sim_coro__entry
	.hidden	sim_coro__entry
	.type	sim_coro__entry, @function
	.p2align 4
sim_coro__entry:
	.cfi_startproc
	.cfi_undefined %rip
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	call	sim_coro__run@PLT
	ud2
	.cfi_endproc
	.size	sim_coro__entry, .-sim_coro__entry

#endif

	.section .note.GNU-stack,"",@progbits
