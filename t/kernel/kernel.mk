# Real kernels (issue 17): Debian's user-mode-linux 6.1 kernel booted twice,
# with cgroup v2 and with cgroup v1 hierarchies, each running the cgroup
# checks and the sandbox corpus (t/kernel/boot, t/kernel/init).
#   make test-kernel [CODERUN_TIME_SCALE=N]   N: CPU limits x N in the guest
KERNEL_TESTS = t/kernel/cgroups.t t/sandbox/corpus.t

.PHONY: test-kernel
test-kernel: all
	t/kernel/boot v2 $(KERNEL_TESTS)
	t/kernel/boot v1 $(KERNEL_TESTS)
