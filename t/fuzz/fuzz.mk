# Hostile-input checks (issue 9): libFuzzer targets for every parser a client
# reaches, static analysis, and the whole suite under ASan + UBSan.
#   make fuzz [FUZZ_SECONDS=60]   each target for FUZZ_SECONDS
#   make fuzz-smoke               each target for FUZZ_SMOKE_SECONDS (t/45-fuzz-smoke.t)
#   make lint                     cppcheck + clang-tidy over mod_coderun/ and sandboxd/
#   make test-asan                module, sandboxd and unit tests with sanitizers, then the suite

FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_BUILD          = $(BUILD)/fuzz
FUZZ_TARGETS        = $(basename $(notdir $(wildcard t/fuzz/*.c)))
FUZZ_BIN            = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_SANITIZE       = -fsanitize=address,undefined -fno-sanitize-recover=undefined
# The module's httpd-free files, instrumented for coverage and sanitizers.
FUZZ_CORE_OBJ       = $(MOD_CORE_OBJ:$(BUILD)/mod_core/%=$(FUZZ_BUILD)/mod_core/%)
FUZZ_CFLAGS         = -g -O1 -std=gnu11 $(WARN) -fno-omit-frame-pointer $(FUZZ_SANITIZE) \
                      $(APR_CFLAGS) -Imod_coderun -iquote . -It/fuzz
# Bodies up to 64 KiB: enough for deep nesting and many inputs.
FUZZ_FLAGS          = -max_len=65536 -dict=t/fuzz/json.dict -print_final_stats=1 \
                      -timeout=10 -rss_limit_mb=2048

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-deps lint test-asan

# Debian ships libFuzzer's runtime in libclang-rt-<ver>-dev; installed once.
fuzz-deps:
	@printf 'int LLVMFuzzerTestOneInput(const char *d, long n);\nint LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n' \
	    > /tmp/coderun-fuzz-probe.c
	@$(FUZZ_CC) -fsanitize=fuzzer -o /tmp/coderun-fuzz-probe /tmp/coderun-fuzz-probe.c 2>/dev/null || { \
	    v=$$($(FUZZ_CC) --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p'); \
	    echo "fuzz: installing clang's fuzzer runtime (libclang-rt-$$v-dev)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y --no-install-recommends clang libclang-rt-$$v-dev || \
	        { apt-get update && apt-get install -y --no-install-recommends clang libclang-rt-$$v-dev; }; }
	@rm -f /tmp/coderun-fuzz-probe /tmp/coderun-fuzz-probe.c

fuzz-build: fuzz-deps $(FUZZ_BIN)

$(FUZZ_BUILD)/mod_core/%.o: mod_coderun/%.c $(wildcard mod_coderun/*.h) $(MOD_COMMON_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/mod_core/common/%.o: common/%.c common/%.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/%: t/fuzz/%.c $(wildcard t/fuzz/*.h) $(FUZZ_CORE_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CORE_OBJ) $(APR_LIBS) -ljson-c -lcrypto

# Each target from its seed corpus (t/fuzz/corpus/NAME, read only) into a
# working corpus in $(FUZZ_BUILD); crashes land in $(FUZZ_BUILD)/crash-NAME-*
# and fail the run. The executions of each run are summed up at the end.
define fuzz_run
	@mkdir -p $(FUZZ_BUILD)/corpus
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	    $(FUZZ_BUILD)/$$t $(FUZZ_FLAGS) -max_total_time=$(1) \
	        -artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
	        $(FUZZ_BUILD)/corpus/$$t t/fuzz/corpus/$$t >$(FUZZ_BUILD)/$$t.log 2>&1 \
	        || { rc=1; echo "fuzz: $$t FAILED, see $(FUZZ_BUILD)/$$t.log"; tail -30 $(FUZZ_BUILD)/$$t.log; }; \
	    printf 'fuzz: %-16s %12s executions in %ss\n' $$t \
	        "$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/$$t.log | tail -1)" $(1); \
	done; exit $$rc
endef

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

# ---- static analysis ----------------------------------------------------------
# Quoted includes name their layer ("box/seccomp.h"), so <seccomp.h> is
# still libseccomp's.
LINT_SRC      = $(wildcard mod_coderun/*.c) $(wildcard sandboxd/*/*.c) $(wildcard common/*.c)
# cppcheck has no -iquote (it would take the directory for a source to
# check): it gets the same directories as -I.
LINT_QUOTED   = sandboxd . $(BUILD)/sandboxd/box
LINT_SYSTEM   = -I/usr/include/apache2 -I/usr/include/apr-1.0 -I/usr/include/postgresql
LINT_INCLUDES = $(addprefix -iquote ,$(LINT_QUOTED)) $(LINT_SYSTEM)
LINT_DEFINES  = -DLINUX -D_REENTRANT -D_GNU_SOURCE -DSQL_DIR='"sql"'
# cppcheck reads no system headers: AF_UNIX stands in for <sys/socket.h>
# (apr_network_io.h has an #error without it), json_object.h is forced in
# for json_object_object_foreach. varFuncNullUB is APR's and log_event's
# NULL-terminated argument lists, well defined where NULL is (void *)0.
CPPCHECK      = cppcheck --quiet --enable=warning,performance,portability --std=c11 \
                --inline-suppr --suppress=missingIncludeSystem --suppress=varFuncNullUB \
                -DAF_UNIX=1 --include=/usr/include/json-c/json_object.h -I/usr/include/json-c \
                --template='{file}:{line}: {severity} ({id}): {message}'
# Checks that find bugs; off: the team's own idioms (strcmp as a boolean,
# atoi of numbers PostgreSQL formatted, APR_OFFSETOF in directive tables,
# recursive directory removal, popen of the admin's version commands) and
# pure style.
TIDY_CHECKS   = -*,clang-analyzer-*,bugprone-*,cert-*,misc-*,performance-*,portability-*,\
                -bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,\
                -cert-dcl37-c,-cert-dcl51-cpp,-misc-unused-parameters,\
                -bugprone-narrowing-conversions,-cert-err33-c,-cert-err34-c,\
                -bugprone-suspicious-string-compare,-performance-no-int-to-ptr,\
                -misc-no-recursion,-cert-env33-c,\
                -clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
LINT_LOG      = $(BUILD)/lint

# Lists every finding with file:line; fails when there is any.
lint: $(BUILD)/sandboxd/box/filter_prog.inc
	@mkdir -p $(LINT_LOG)
	@rc=0; \
	$(CPPCHECK) $(addprefix -I,$(LINT_QUOTED)) $(LINT_SYSTEM) $(LINT_DEFINES) $(LINT_SRC) 2>$(LINT_LOG)/cppcheck.txt || rc=1; \
	n=$$(grep -c . $(LINT_LOG)/cppcheck.txt); \
	echo "== cppcheck: $$n findings"; cat $(LINT_LOG)/cppcheck.txt; [ "$$n" -eq 0 ] || rc=1; \
	clang-tidy --quiet -checks='$(TIDY_CHECKS)' $(LINT_SRC) -- \
	    -std=gnu11 $(LINT_INCLUDES) $(LINT_DEFINES) >$(LINT_LOG)/clang-tidy.txt 2>/dev/null; \
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(LINT_LOG)/clang-tidy.txt \
	    > $(LINT_LOG)/clang-tidy-findings.txt || true; \
	n=$$(grep -c . $(LINT_LOG)/clang-tidy-findings.txt); \
	echo "== clang-tidy: $$n findings (with context: $(LINT_LOG)/clang-tidy.txt)"; \
	cat $(LINT_LOG)/clang-tidy-findings.txt; [ "$$n" -eq 0 ] || rc=1; \
	exit $$rc

# ---- the suite under sanitizers ------------------------------------------------
# A separate build tree (Stack.pm and t/00-unit.t read CODERUN_BUILD).
# httpd itself is not instrumented and loads the module with dlopen: ASan
# accepts that with verify_asan_link_order=0. Preloading libasan instead
# (LD_PRELOAD for the whole suite) hangs PostgreSQL's initdb (`postgres -V`
# never returns), and Stack.pm starts apache2 by a fixed path, so the
# preload cannot be given to httpd alone. Leaks are not checked (httpd
# frees its pools only at exit).
# SAN is one word: the module rule hands only SAN's first word to apxs -Wl,
# so the other flags go through CFLAGS (sandboxd and unit tests only).
ASAN_BUILD ?= build-asan
ASAN_SAN    = -fsanitize=address,undefined
ASAN_CFLAGS = -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=undefined

test-asan:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN='$(ASAN_SAN)' CFLAGS='$(ASAN_CFLAGS)' all
	@rm -f $(ASAN_BUILD)/asan.* $(ASAN_BUILD)/ubsan.*
	CODERUN_BUILD=$(ASAN_BUILD) \
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:abort_on_error=1:log_path=$(CURDIR)/$(ASAN_BUILD)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/$(ASAN_BUILD)/ubsan \
	    prove -j$(PROVE_JOBS) -r t/; rc=$$?; \
	if ls $(ASAN_BUILD)/asan.* $(ASAN_BUILD)/ubsan.* >/dev/null 2>&1; then \
	    echo "test-asan: sanitizer reports:"; cat $(ASAN_BUILD)/asan.* $(ASAN_BUILD)/ubsan.* 2>/dev/null; rc=1; fi; \
	exit $$rc
