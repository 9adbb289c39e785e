# Real kernels (issue 17, docs/sandbox-kernels.md): Debian's user-mode-linux
# 6.1 kernel booted twice (t/kernel/boot, t/kernel/init): with cgroup v2 for
# the cgroup checks and the sandbox corpus, with cgroup v1 hierarchies for
# the cgroup checks.
#   make test-kernel [CODERUN_TIME_SCALE=N]   the corpus's CPU limit x N (10)

.PHONY: test-kernel
test-kernel: all
	t/kernel/boot v2 t/kernel/cgroups.t t/sandbox/corpus.t
	t/kernel/boot v1 t/kernel/cgroups.t
