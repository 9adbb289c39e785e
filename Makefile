# coderun: mod_coderun (httpd module), sandboxd (worker daemon), tests.
# `make run` and `make test` are the two commands a fresh machine needs.

CC       ?= gcc
CFLAGS   ?= -O2 -g
SAN      ?=
WARN      = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes
HARDEN    = -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong
BUILD    ?= build
PREFIX   ?= /usr/local

APXS     ?= apxs
APR_CFLAGS := $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null) \
              $(shell apu-1-config --includes 2>/dev/null)
APR_LIBS   := $(shell apr-1-config --link-ld --libs 2>/dev/null) \
              $(shell apu-1-config --link-ld 2>/dev/null)

# Sources by layer (each folder's README says what lives there): common/
# is used by both programs; sandboxd/box -> sandboxd/worker -> sandboxd/cli
# only include downwards. Quoted includes name the layer ("box/box.h").
SANDBOXD_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(SAN) -std=gnu11 -fPIE -iquote sandboxd -iquote . \
                  -I/usr/include/postgresql -DSQL_DIR='"$(CURDIR)/sql"'
SANDBOXD_LIBS   = -lpq -lseccomp -ljson-c -lcrypto -lpthread
# sandboxd itself only runs boxes (`sandboxd run`) and hands every other
# command to sandboxd-db: no libpq or OpenSSL to load when it starts.
SANDBOXD_RUN_LIBS = -lseccomp -ljson-c -lpthread
LINK_RELRO      = -Wl,-z,relro -Wl,-z,now
LINK_HARDEN     = -pie $(LINK_RELRO)
# `sandboxd run` is timed as a whole process: linked statically it starts
# without the dynamic loader (~1.2 ms here). Sanitizer builds cannot be.
SANDBOXD_RUN_LINK = $(if $(SAN),$(SAN) -pie,-static-pie) $(LINK_RELRO)

# Everything but the two mains and the build tool filter_gen is a library
# the unit tests link.
COMMON_SRC       = $(wildcard common/*.c)
COMMON_HDR       = $(wildcard common/*.h)
SANDBOXD_HDR     = $(wildcard sandboxd/*/*.h) $(COMMON_HDR)
SANDBOXD_MAINS   = sandboxd/cli/main.c sandboxd/cli/main_db.c sandboxd/box/filter_gen.c
SANDBOXD_LIB_SRC = $(filter-out $(SANDBOXD_MAINS),$(wildcard sandboxd/*/*.c)) $(COMMON_SRC)
SANDBOXD_LIB_OBJ = $(SANDBOXD_LIB_SRC:%.c=$(BUILD)/%.o)

# mod_coderun.c and *_httpd.c are httpd glue; the rest is httpd-free (APR and
# json-c only) and linked directly by the unit tests, with the part of
# common/ the module uses.
MOD_SRC      = $(wildcard mod_coderun/*.c)
MOD_COMMON_SRC = common/utf8.c
MOD_COMMON_HDR = $(MOD_COMMON_SRC:.c=.h)
MOD_CORE_SRC = $(filter-out mod_coderun/mod_coderun.c $(wildcard mod_coderun/*_httpd.c),$(MOD_SRC))
MOD_CORE_OBJ = $(MOD_CORE_SRC:mod_coderun/%.c=$(BUILD)/mod_core/%.o) \
               $(MOD_COMMON_SRC:%.c=$(BUILD)/mod_core/%.o)
MOD_CFLAGS   = $(CFLAGS) $(WARN) $(HARDEN) $(SAN) -std=gnu11 -fPIC $(APR_CFLAGS) -iquote .

UNIT_SRC  = $(wildcard t/unit/*.c)
UNIT_BIN  = $(UNIT_SRC:t/unit/%.c=$(BUILD)/t/%)

.PHONY: all module daemon unit clean install
.SECONDARY:
all: module daemon unit

daemon: $(BUILD)/sandboxd/sandboxd $(BUILD)/sandboxd/sandboxd-db
module: $(BUILD)/mod_coderun.so
unit: $(UNIT_BIN)

$(BUILD)/sandboxd/%.o: sandboxd/%.c $(SANDBOXD_HDR)
	@mkdir -p $(@D)
	$(CC) $(SANDBOXD_CFLAGS) -c -o $@ $<

$(BUILD)/common/%.o: common/%.c $(COMMON_HDR)
	@mkdir -p $(@D)
	$(CC) $(SANDBOXD_CFLAGS) -c -o $@ $<

# The seccomp filter, compiled by libseccomp at build time (filter_gen.c).
$(BUILD)/sandboxd/box/filter_gen: sandboxd/box/filter_gen.c $(BUILD)/sandboxd/box/boxerr.o
	$(CC) $(SANDBOXD_CFLAGS) $(LINK_HARDEN) -o $@ $^ -lseccomp
$(BUILD)/sandboxd/box/filter_prog.inc: $(BUILD)/sandboxd/box/filter_gen
	ASAN_OPTIONS=detect_leaks=0 $< > $@.tmp && mv -f $@.tmp $@
$(BUILD)/sandboxd/box/seccomp.o: sandboxd/box/seccomp.c $(SANDBOXD_HDR) $(BUILD)/sandboxd/box/filter_prog.inc
	$(CC) $(SANDBOXD_CFLAGS) -iquote $(BUILD)/sandboxd/box -c -o $@ $<

$(BUILD)/libsandboxd.a: $(SANDBOXD_LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/sandboxd/sandboxd: $(BUILD)/sandboxd/cli/main.o $(BUILD)/libsandboxd.a
	$(CC) $(SANDBOXD_RUN_LINK) -o $@ $^ $(SANDBOXD_RUN_LIBS)

$(BUILD)/sandboxd/sandboxd-db: $(BUILD)/sandboxd/cli/main_db.o $(BUILD)/libsandboxd.a
	$(CC) $(SAN) $(LINK_HARDEN) -o $@ $^ $(SANDBOXD_LIBS)

# apxs compiles next to the sources, so it works on a copy in $(BUILD): two
# build trees (make, make test-asan) never share objects.
MOD_SRC_DIR    = $(BUILD)/mod_src
$(BUILD)/mod_coderun.so: $(MOD_SRC) $(wildcard mod_coderun/*.h) $(MOD_COMMON_SRC) $(MOD_COMMON_HDR)
	@rm -rf $(MOD_SRC_DIR) && mkdir -p $(MOD_SRC_DIR)/common
	cp $(MOD_SRC) $(wildcard mod_coderun/*.h) $(MOD_SRC_DIR)/
	cp $(MOD_COMMON_SRC) $(MOD_COMMON_HDR) $(MOD_SRC_DIR)/common/
	cd $(MOD_SRC_DIR) && $(APXS) -c -o mod_coderun.la $(addprefix -Wc$(comma),$(WARN) $(HARDEN) $(SAN) -std=gnu11 -iquote . -I/usr/include/postgresql) \
	    $(addprefix -Wl$(comma),$(SAN)) -ljson-c -lcrypto -lpq $(notdir $(MOD_SRC)) $(MOD_COMMON_SRC) \
	    >$(CURDIR)/$(BUILD)/apxs.log 2>&1 || { cat $(CURDIR)/$(BUILD)/apxs.log; exit 1; }
	cp $(MOD_SRC_DIR)/.libs/mod_coderun.so $@.tmp && mv -f $@.tmp $@

comma := ,

$(BUILD)/mod_core/%.o: mod_coderun/%.c $(wildcard mod_coderun/*.h) $(MOD_COMMON_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -c -o $@ $<

$(BUILD)/mod_core/common/%.o: common/%.c common/%.h
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -c -o $@ $<

# Unit tests: t/unit/sandboxd_*.c link libsandboxd.a, t/unit/mod_*.c link the
# httpd-free module files.
$(BUILD)/t/sandboxd_%: t/unit/sandboxd_%.c t/unit/tap.h $(BUILD)/libsandboxd.a
	@mkdir -p $(@D)
	$(CC) $(SANDBOXD_CFLAGS) -It/unit $(LINK_HARDEN) -o $@ $< $(BUILD)/libsandboxd.a $(SANDBOXD_LIBS)

$(BUILD)/t/mod_%: t/unit/mod_%.c t/unit/tap.h $(MOD_CORE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -Imod_coderun -It/unit -o $@ $< $(MOD_CORE_OBJ) $(SAN) $(APR_LIBS) -ljson-c -lcrypto

# Swagger UI's static files (npm package swagger-ui-dist); Stack.pm serves
# this directory as @SWAGGER_DIR@.
SWAGGER_DIR = $(BUILD)/npm/node_modules/swagger-ui-dist
# The dashboard's charting library (npm package chart.js); served as
# @CHARTJS_DIR@/chart.umd.js.
CHARTJS_DIR = $(BUILD)/npm/node_modules/chart.js/dist

# Installs for real (docs/install.md); PREFIX and DESTDIR as usual. The
# module goes where apxs puts modules, the Apache files where Debian's
# a2enmod/a2enconf look. Configuration an admin may have edited is
# installed once and never overwritten; `sandboxd setup` writes the
# configs with the database passwords. `make uninstall` removes the
# program files and keeps configuration, logs and data unless PURGE=1.
SHARE_DIR   = $(PREFIX)/share/coderun
ETC_DIR    ?= /etc/coderun
UNIT_DIR   ?= /etc/systemd/system
APACHE_DIR ?= /etc/apache2
MODULE_DIR := $(shell $(APXS) -q LIBEXECDIR 2>/dev/null)
STATE_DIRS  = /var/lib/coderun /var/log/coderun
# The program files, for install and uninstall alike.
INSTALLED   = $(MODULE_DIR)/mod_coderun.so $(PREFIX)/sbin/sandboxd $(PREFIX)/sbin/sandboxd-db \
              $(SHARE_DIR) $(UNIT_DIR)/coderun-sandboxd.service \
              $(APACHE_DIR)/mods-available/coderun.load /etc/logrotate.d/coderun
# Configuration: kept by uninstall unless PURGE=1.
CONFIGURED  = $(ETC_DIR) $(APACHE_DIR)/conf-available/coderun.conf
DIST_SUBST  = sed -e 's|@MODULE_DIR@|$(MODULE_DIR)|g' -e 's|@SHARE_DIR@|$(SHARE_DIR)|g' \
                  -e 's|@ETC_DIR@|$(ETC_DIR)|g' -e 's|/usr/local/sbin/|$(PREFIX)/sbin/|g'

.PHONY: uninstall
install: all $(SWAGGER_DIR)/index.html
	install -d $(DESTDIR)$(MODULE_DIR) $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(SHARE_DIR)/sql \
	    $(DESTDIR)$(SHARE_DIR)/swagger-ui $(DESTDIR)$(ETC_DIR) $(DESTDIR)$(UNIT_DIR) \
	    $(DESTDIR)$(APACHE_DIR)/mods-available $(DESTDIR)$(APACHE_DIR)/conf-available \
	    $(DESTDIR)/etc/logrotate.d $(addprefix $(DESTDIR),$(STATE_DIRS))
	install -m 644 $(BUILD)/mod_coderun.so $(DESTDIR)$(MODULE_DIR)/mod_coderun.so
	install -m 755 $(BUILD)/sandboxd/sandboxd $(BUILD)/sandboxd/sandboxd-db $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 sql/*.sql $(DESTDIR)$(SHARE_DIR)/sql/
	install -m 644 mod_coderun/openapi.json mod_coderun/swagger-initializer.js languages.conf \
	    sandboxd/sandboxd.conf.sample $(DESTDIR)$(SHARE_DIR)/
	cp -R $(SWAGGER_DIR)/. $(DESTDIR)$(SHARE_DIR)/swagger-ui/
	chmod -R u=rwX,go=rX $(DESTDIR)$(SHARE_DIR)/swagger-ui
	$(DIST_SUBST) dist/apache2/coderun-vhost.conf.example > $(DESTDIR)$(SHARE_DIR)/coderun-vhost.conf.example
	$(DIST_SUBST) dist/apache2/coderun.load > $(DESTDIR)$(APACHE_DIR)/mods-available/coderun.load
	$(DIST_SUBST) sandboxd/coderun-sandboxd.service > $(DESTDIR)$(UNIT_DIR)/coderun-sandboxd.service
	install -m 644 dist/logrotate/coderun $(DESTDIR)/etc/logrotate.d/coderun
	install -d $(DESTDIR)$(SHARE_DIR)/dashboard
	install -m 644 mod_coderun/dashboard/* $(CHARTJS_DIR)/chart.umd.js $(DESTDIR)$(SHARE_DIR)/dashboard/
	chmod 644 $(DESTDIR)$(APACHE_DIR)/mods-available/coderun.load $(DESTDIR)$(UNIT_DIR)/coderun-sandboxd.service
	@install_once() { if [ -e "$$2" ]; then echo "kept $$2"; else install -m $$3 "$$1" "$$2"; fi; }; \
	$(DIST_SUBST) dist/apache2/coderun.conf > $(BUILD)/coderun.conf; \
	install_once $(BUILD)/coderun.conf $(DESTDIR)$(APACHE_DIR)/conf-available/coderun.conf 644; \
	install_once languages.conf $(DESTDIR)$(ETC_DIR)/languages.conf 644

uninstall:
	rm -rf $(addprefix $(DESTDIR),$(INSTALLED))
	@if [ "$(PURGE)" = 1 ]; then \
	    echo "rm -rf $(addprefix $(DESTDIR),$(CONFIGURED) $(STATE_DIRS))"; \
	    rm -rf $(addprefix $(DESTDIR),$(CONFIGURED) $(STATE_DIRS)); \
	else echo "kept $(CONFIGURED) $(STATE_DIRS) (PURGE=1 removes them)"; fi

clean:
	rm -rf $(BUILD)

# ---- harness: dependencies, the local stack, tests --------------------------
# The stack itself (PostgreSQL cluster, sandboxd, httpd) is brought up by
# t/lib/Coderun/Stack.pm, the same code the integration tests use.

PORT ?= 8080

# Debian packages every build, run and test needs; "a,b" = a, or b if present.
DEPS = apache2 apache2-dev apache2-utils libaprutil1-dbd-pgsql libapr1-dev \
       libaprutil1-dev libjson-c-dev libseccomp-dev libpq-dev libssl-dev \
       postgresql gcc g++ make curl wrk hyperfine bubblewrap perl python3 nodejs \
       user-mode-linux iproute2 chromium fonts-dejavu-core libprotocol-websocket-perl \
       default-jdk-headless,openjdk-17-jdk-headless

# The other languages of languages.conf (docs/languages.md), on top of deps
# (npm comes with it): about 2.7 GB installed. A worker offers only the
# languages it finds installed.
LANG_DEPS = node-typescript golang-go rustc ruby php-cli lua5.4 ghc ocaml-nox \
       r-base-core mono-mcs mono-runtime kotlin scala swi-prolog-nox guile-3.0 racket \
       sbcl clojure elixir erlang-nox gfortran fpc gnat gnucobol3,gnucobol gdc nim \
       octave groovy tcl8.6 gawk sqlite3 nasm binutils crystal valac
# TypeScript's Node types (no Debian package), where the box sees them;
# languages.conf's [typescript] names this path.
TS_TYPES = /usr/local/lib/coderun/node_modules/@types/node

# $(call install_debs,TARGET,PACKAGES): apt-get installs the packages not
# yet installed (a,b: either one will do; the first is installed).
define install_debs
	@missing=; \
	for alts in $(2); do \
	    found=; \
	    for p in $$(echo $$alts | tr , ' '); do \
	        dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed && found=1; \
	    done; \
	    [ -n "$$found" ] || missing="$$missing $${alts%%,*}"; \
	done; \
	if [ -z "$$missing" ]; then echo "$(1): all Debian packages present"; \
	else \
	    echo "$(1): installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y --no-install-recommends $$missing || \
	        { apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	fi
endef

.PHONY: deps deps-languages run stop test test-install
deps:
	$(call install_debs,deps,$(DEPS))
	@$(MAKE) -s --no-print-directory $(SWAGGER_DIR)/index.html $(CHARTJS_DIR)/chart.umd.js

deps-languages: deps
	$(call install_debs,deps-languages,$(LANG_DEPS))
	@# @types/node 18.11 matches Debian 12's node 18 and typescript 4.8.
	@test -d $(TS_TYPES) || npm install --no-audit --no-fund --ignore-scripts \
	    --prefix $(TS_TYPES:/node_modules/@types/node=) @types/node@18.11.18
	@$(MAKE) -s --no-print-directory $(JVM_ARCHIVES)

# Class-data archives of kotlinc's and scalac's classes (about a third of
# their start-up): dumped by compiling the test's hello program with the
# compile command of languages.conf itself, which names the archive.
JVM_ARCHIVES = /usr/local/lib/coderun/kotlinc.jsa /usr/local/lib/coderun/scalac.jsa
/usr/local/lib/coderun/kotlinc.jsa: LANG_NAME = kotlin
/usr/local/lib/coderun/kotlinc.jsa: LANG_SOURCE = main.kt
/usr/local/lib/coderun/scalac.jsa: LANG_NAME = scala
/usr/local/lib/coderun/scalac.jsa: LANG_SOURCE = Main.scala
$(JVM_ARCHIVES):
	@mkdir -p $(@D)
	@dir=$$(mktemp -d) && cp t/languages/$(LANG_NAME)/program.* $$dir/$(LANG_SOURCE) && \
	cmd=$$(sed -n '/^\[$(LANG_NAME)\]/,/^\[/s/^compile *= *//p' languages.conf | \
	       sed 's/-XX:SharedArchiveFile=/-XX:ArchiveClassesAtExit=/') && \
	(cd $$dir && $$cmd >/dev/null 2>&1); rm -rf $$dir; test -s $@ && echo "deps-languages: $@"

$(SWAGGER_DIR)/index.html:
	@# Debian splits npm from nodejs; other nodejs builds bundle it.
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm
	npm install --no-audit --no-fund --ignore-scripts --prefix $(BUILD)/npm swagger-ui-dist@5
	touch $@

$(CHARTJS_DIR)/chart.umd.js:
	npm install --no-audit --no-fund --ignore-scripts --prefix $(BUILD)/npm chart.js@4
	touch $@

# Brings the stack up in ./var (again: reports it is already running).
run: deps
	@$(MAKE) --no-print-directory all
	@perl t/stack up var --port $(PORT)

stop:
	@perl t/stack down var

# Test files run two at a time: most of a file's time is waiting for its
# stack (PostgreSQL, httpd, sandboxd of its own, on ports of its own).
PROVE_JOBS ?= 2
test: all
	prove -j$(PROVE_JOBS) -r t/

# As root on a Debian 12 machine of its own: installs into the system
# apache2 and the PostgreSQL 15/main cluster as docs/install.md says, runs
# both seeds through /coderun/, uninstalls; leaves the services as found.
test-install: all
	t/install/run

# Targets owned by their own directories: fuzz/lint/test-asan, bench.
-include t/fuzz/fuzz.mk bench/bench.mk t/kernel/kernel.mk
