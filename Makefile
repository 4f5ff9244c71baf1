# SocketBridge: make build | run | test | unit | lint | test-native | check | clean | bench | bench-reexec | cmax | bench-sandbox | bench-metrics | soak | publish | install | deb | system-test
DOTNET      ?= dotnet
CONFIG      ?= config/demo.json
OUT         := out
# The NativeAOT program of `make publish`, what install and deb ship.
PUBLISH     := $(OUT)/publish
PROJECT     := src/SocketBridge/SocketBridge.csproj
TESTS       := tests/SocketBridge.Tests/SocketBridge.Tests.csproj
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

# ---------------------------------------------------------------------------
# The tools each target drives, as COMMAND:PACKAGE (Debian's package names):
# the one list. Before building, `make test`, `test-native`, `bench` and
# `system-test` run .ci/need-tools on theirs, which as root on Debian or
# Ubuntu installs the packages of the missing commands (apt-get, only what is
# missing), and otherwise stops with the apt-get command to run. .ci/run runs
# the same targets. A COMMAND starting with / is a file that must exist.
#
# The suite's clients and real servers (each started by a test on a port of
# its own, never as the package's service), gcc for the security tests'
# attacker, promtool, prometheus and curl for the metrics tests.
SUITE_TOOLS := nc:netcat-openbsd socat:socat python3:python3 \
    /usr/lib/python3/dist-packages/systemd/daemon.py:python3-systemd ps:procps ss:iproute2 strace:strace \
    gcc:gcc lighttpd:lighttpd haproxy:haproxy nginx:nginx redis-server:redis-server redis-benchmark:redis-tools \
    in.tftpd:tftpd-hpa tftp:tftp-hpa systemd-socket-activate:systemd promtool:prometheus prometheus:prometheus \
    curl:curl
# NativeAOT links with gcc and strips with objcopy.
NATIVE_TOOLS := gcc:gcc objcopy:binutils
# The packaging tests (make test only): the package's checker, the units'
# verifier, a private mount namespace, the manual pages' formatters.
PACKAGING_TOOLS := $(NATIVE_TOOLS) lintian:lintian systemd-analyze:systemd unshare:util-linux mount:mount \
    groff:groff-base mandoc:mandoc
TEST_TOOLS        := $(SUITE_TOOLS) $(PACKAGING_TOOLS)
TEST_NATIVE_TOOLS := $(SUITE_TOOLS) $(NATIVE_TOOLS)
BENCH_TOOLS       := $(NATIVE_TOOLS) iperf3:iperf3 socat:socat ab:apache2-utils /usr/bin/time:time tcpserver:ucspi-tcp xinetd:xinetd \
    python3:python3 /usr/include/stdio.h:libc6-dev bc:bc systemd-socket-activate:systemd \
    /lib/systemd/systemd-socket-proxyd:systemd
# systemd-nspawn boots a real systemd in a container whose root debootstrap builds.
SYSTEM_TEST_TOOLS := $(NATIVE_TOOLS) python3:python3 systemd-nspawn:systemd-container nsenter:util-linux debootstrap:debootstrap

.PHONY: test-deps test-native-deps bench-deps system-test-deps
## test-deps, test-native-deps, bench-deps, system-test-deps: what the target needs
## (installed as root on Debian/Ubuntu, else the command to run)
test-deps:
	@.ci/need-tools "make test" $(TEST_TOOLS)
test-native-deps:
	@.ci/need-tools "make test-native" $(TEST_NATIVE_TOOLS)
bench-deps:
	@.ci/need-tools "make bench" $(BENCH_TOOLS)
system-test-deps:
	@.ci/need-tools "make system-test" $(SYSTEM_TEST_TOOLS)

.PHONY: all build run test unit lint test-native check clean publish install uninstall deb

all: build

## build: a runnable out/socketbridge (framework-dependent)
build:
	$(DOTNET) publish $(PROJECT) -c Release -o $(OUT) --nologo -v quiet

# As root a bridge that launches a program must name its User: the demo gets
# them from a drop-in then (run as any other user, the programs are that user's).
DEMO_AS_ROOT := $(if $(and $(filter config/demo.json,$(CONFIG)),$(filter 0,$(shell id -u))), -c config/demo-as-root.json)

## run: the daemon in the foreground on config/demo.json
run: build
	$(OUT)/socketbridge run -c $(CONFIG)$(DEMO_AS_ROOT)

## test: the whole suite, against out/socketbridge (its tools first: test-deps)
test: test-deps build
	SOCKETBRIDGE_BIN=$(CURDIR)/$(OUT)/socketbridge $(DOTNET) test $(TESTS) -c Release --nologo -v quiet --logger "console;verbosity=normal"

## unit: the unit tests only ([Trait("Category", "Unit")]: no daemon started, so no
## out/socketbridge needed; seconds once built)
unit:
	$(DOTNET) test $(TESTS) -c Release --nologo -v quiet --filter "Category=Unit" --logger "console;verbosity=minimal"

## lint: the code as .editorconfig says (dotnet format --verify-no-changes: whitespace,
## and the style rules set to warning), then a build of the solution with every warning an error
lint:
	$(DOTNET) format SocketBridge.sln --verify-no-changes
	$(DOTNET) build SocketBridge.sln -c Release --nologo -v quiet -warnaserror

## docs: writes the generated key reference (README.md's key tables, the key lists of
## docs/man/socketbridge.json.5) from src/SocketBridge/Configuration/{DaemonKeys,BridgeKeys}.cs;
## the suite fails while they differ
.PHONY: docs
docs:
	SOCKETBRIDGE_UPDATE_DOCS=1 $(DOTNET) test $(TESTS) -c Release --nologo -v quiet \
	    --filter "FullyQualifiedName~SocketBridge.Tests.Documentation.KeyReferenceTests.The_generated_parts" --logger "console;verbosity=minimal"

## check: validate config/demo.json without binding anything
check: build
	$(OUT)/socketbridge check -c $(CONFIG)$(DEMO_AS_ROOT)

clean:
	rm -rf $(OUT) src/*/bin src/*/obj tests/*/bin tests/*/obj

## bench: forward mode against direct, systemd-socket-proxyd and socat, then spawn
## rate, start-up and idle memory against tcpserver, xinetd, systemd-socket-activate
## and socat, and what the sandbox keys cost a spawn bridge, then the time a re-exec
## takes, then what the metrics cost, then how many forwarded connections one bridge
## holds (make cmax); all measure the NativeAOT program; writes docs/benchmarks.md
## (9 to 20 minutes)
BENCH_PORTS    := 28801 28802 28803 28804 28805 28806 28901 28906 28811 28812
# The sandbox variants of the spawn bridge (bench/spawn-rate.sh, BENCH_SPAWN_PARTS) and their forward bridges.
BENCH_SANDBOX_PORTS := 28801 28901 28821 28822 28823 28824 28825 28921 28922 28923 28924 28925 28831 28832 28833 28834 28835 28836
# The three daemons of bench/metrics.sh, its metrics endpoint and its iperf3 -s.
BENCH_METRICS_PORTS := 28841 28842 28851 28852 28860 28861 28862 28871
# bench/cmax.py's echo server and bridge.
BENCH_CMAX_PORTS := 28881 28882

.PHONY: bench
bench: bench-deps build $(PUBLISH)/socketbridge
	@mkdir -p $(OUT)/bench docs
	@echo "bench/forward.sh: relay throughput, latency, connection rate and memory (progress below)"
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/forward.sh > $(OUT)/bench/forward.md
	@echo "bench/spawn-rate.sh: spawn rate, start-up and idle memory against tcpserver, xinetd, systemd-socket-activate and socat; what the sandbox keys cost"
	@bench/wait-ports.sh $(BENCH_PORTS) $(BENCH_SANDBOX_PORTS)
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge SOCKETBRIDGE_JIT_BIN=$(CURDIR)/$(OUT)/socketbridge \
	    bench/spawn-rate.sh > $(OUT)/bench/spawn-rate.md
	@echo "bench/reexec.py: how long a re-exec takes with 1,000 forwarded connections open"
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/reexec.py > $(OUT)/bench/reexec.md
	@echo "bench/metrics.sh: spawn rate and relay throughput with metrics off and on (scraped every second)"
	@bench/wait-ports.sh $(BENCH_METRICS_PORTS)
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/metrics.sh $(BENCH_METRICS_ARGS) > $(OUT)/bench/metrics.md
	@echo "bench/cmax.py: as many forwarded connections through one bridge as the open-file limit allows"
	@bench/wait-ports.sh $(BENCH_CMAX_PORTS)
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/cmax.py > $(OUT)/bench/cmax.md
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/report.sh $(OUT)/bench/forward.md $(OUT)/bench/spawn-rate.md $(OUT)/bench/reexec.md $(OUT)/bench/metrics.md $(OUT)/bench/cmax.md > $(OUT)/bench/benchmarks.md
	@mv $(OUT)/bench/benchmarks.md docs/benchmarks.md
	@echo; cat $(OUT)/bench/forward.md; echo; cat $(OUT)/bench/spawn-rate.md; echo; cat $(OUT)/bench/reexec.md; echo; cat $(OUT)/bench/metrics.md; echo; cat $(OUT)/bench/cmax.md; echo; echo "written: docs/benchmarks.md"

## bench-sandbox: the sandbox part of make bench's spawn rate alone: the plain spawn
## bridge beside the same with every Limit*, Nice, UMask and NoNewPrivileges, with
## NoNewPrivileges false, with PrivateTmp and with PrivateNetwork (the last two as
## root), and plain again (the noise); then each program's CPU time. Shorter ab runs
## in more rounds than make bench's (requests, concurrency, rounds:
## BENCH_SANDBOX_ARGS), as a busy machine's noise comes in bursts; about two
## minutes; prints its table, writes no docs
BENCH_SANDBOX_ARGS ?= 2000 4 15
.PHONY: bench-sandbox
bench-sandbox: $(PUBLISH)/socketbridge
	@command -v ab >/dev/null && command -v gcc >/dev/null || { echo "make bench-sandbox: needs ab (apache2-utils) and gcc" >&2; exit 1; }
	@mkdir -p $(OUT)/bench
	@bench/wait-ports.sh $(BENCH_SANDBOX_PORTS)
	BENCH_SPAWN_PARTS=sandbox SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/spawn-rate.sh $(BENCH_SANDBOX_ARGS) > $(OUT)/bench/sandbox.md
	@echo; cat $(OUT)/bench/sandbox.md

## bench-reexec: the re-exec part of make bench alone (seconds; prints its table, writes no docs)
.PHONY: bench-reexec
bench-reexec: $(PUBLISH)/socketbridge
	@command -v gcc >/dev/null && command -v python3 >/dev/null || { echo "make bench-reexec: needs gcc and python3" >&2; exit 1; }
	@mkdir -p $(OUT)/bench
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/reexec.py > $(OUT)/bench/reexec.md
	@echo; cat $(OUT)/bench/reexec.md

## cmax: the connections part of make bench alone: one forward bridge to an epoll echo
## server holds as many connections as the daemon's open-file limit allows (its hard
## limit, less the reserve: about 9,960 with 20,000), each from one of many loopback
## addresses and each with a round trip; prints the number held, the daemon's RSS per
## connection, its CPU time while they are idle, the time to open and to close them all
## (about 20 s; BENCH_CMAX_IDLE, BENCH_CMAX_WINDOW, BENCH_CMAX_MAX, BENCH_CMAX_PORT_BASE)
.PHONY: cmax
cmax: $(PUBLISH)/socketbridge
	@command -v gcc >/dev/null && command -v python3 >/dev/null || { echo "make cmax: needs gcc and python3" >&2; exit 1; }
	@mkdir -p $(OUT)/bench
	@bench/wait-ports.sh $(BENCH_CMAX_PORTS)
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/cmax.py > $(OUT)/bench/cmax.md
	@echo; cat $(OUT)/bench/cmax.md

## bench-metrics: the metrics part of make bench alone: the same daemon with
## SocketBridge:Metrics off, on and scraped every second (bench/scrape.py), and off
## again (the noise), taking turns: spawn rate (ab) and relay throughput (iperf3),
## and the daemon's CPU time; requests, concurrency, rounds: BENCH_METRICS_ARGS;
## three or four minutes; prints its table, writes no docs
BENCH_METRICS_ARGS ?= 2000 4 15
.PHONY: bench-metrics
bench-metrics: bench-deps $(PUBLISH)/socketbridge
	@mkdir -p $(OUT)/bench
	@bench/wait-ports.sh $(BENCH_METRICS_PORTS)
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge bench/metrics.sh $(BENCH_METRICS_ARGS) > $(OUT)/bench/metrics.md
	@echo; cat $(OUT)/bench/metrics.md

## soak: the real daemon under 20,000 spawn and 5,000 forward connections of good,
## refused, reset and idle clients, plus bursts beyond a RateLimit; fails unless every
## check passed and its descriptors and children return to their baseline; prints them
## and its RSS (half a minute to three; not part of make test; needs python3).
## SOAK_SPAWN, SOAK_FORWARD, SOAK_CONCURRENCY, SOAK_PORT_BASE change the run.
.PHONY: soak
soak: build
	SOCKETBRIDGE_BIN=$(CURDIR)/$(OUT)/socketbridge python3 bench/soak.py

# ---------------------------------------------------------------------------
# Packaging: a NativeAOT program (no .NET needed where it runs), its
# installation, and a Debian package. See "Installing as a service" in README.md.

VERSION     := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
# No cross builds: gcc builds the native helper and links the program for this
# machine's architecture.
RID         ?= linux-x64
DEB_ARCH    ?= amd64
# dotnet's obj/ and bin/ for the publish, apart from those of `make build`
# and the tests, so neither restores over the other.
PUBLISH_OBJ := $(OUT)/publish-build
SOURCES     := $(shell find src -type f \( -name '*.cs' -o -name '*.c' -o -name '*.h' -o -name '*.csproj' \) -not -path '*/bin/*' -not -path '*/obj/*') Directory.Build.props

PREFIX      ?= /usr
DESTDIR     ?=
SYSCONFDIR  ?= /etc
LIBDIR      ?= $(PREFIX)/lib/socketbridge
SBINDIR     ?= $(PREFIX)/sbin
DOCDIR      ?= $(PREFIX)/share/doc/socketbridge
MANDIR      ?= $(PREFIX)/share/man
# bash-completion loads completions from here (/usr/local/share too) on first use.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# Debian 12 keeps packaged units in /lib/systemd/system; a /usr/local install
# uses /usr/local/lib/systemd/system, which systemd also reads.
UNITDIR     ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

DEB_ROOT    := $(OUT)/deb/root
# The package's version: the program's by default. `make deb DEB_VERSION=0.1.0-2`
# packages the same program as a higher version (an upgrade to install over it).
DEB_VERSION ?= $(VERSION)
DEB         := $(OUT)/socketbridge_$(DEB_VERSION)_$(DEB_ARCH).deb
# xz at level 1: 6 s instead of 48 s at the default level, for a package 11 %
# larger. `make deb DEB_COMPRESSION="-Zxz -z9"` for the smallest.
DEB_COMPRESSION ?= -Zxz -z1

## publish: the NativeAOT $(RID) program, out/publish/socketbridge (rebuilt when a source changes)
publish: $(PUBLISH)/socketbridge

# One executable with the C helper linked in; it needs libc only. ILC writes
# the symbols it strips to socketbridge.dbg beside it, which is not installed.
$(PUBLISH)/socketbridge: $(SOURCES)
	rm -rf $(PUBLISH)
	$(DOTNET) publish $(PROJECT) -c Release -r $(RID) -p:PublishAot=true \
	    --artifacts-path $(PUBLISH_OBJ) -o $(PUBLISH) --nologo -v quiet
	touch $@

## test-native: the suite against the NativeAOT program (out/publish/socketbridge); the
## packaging tests, which build their own package, run in `make test` only
test-native: test-native-deps $(PUBLISH)/socketbridge
	SOCKETBRIDGE_BIN=$(CURDIR)/$(PUBLISH)/socketbridge $(DOTNET) test $(TESTS) -c Release --nologo -v quiet \
	    --filter "FullyQualifiedName!~SocketBridge.Tests.Packaging" --logger "console;verbosity=normal"

## install: the program as $(PREFIX)/sbin/socketbridge, the units, the manual pages
## socketbridge(8) and socketbridge.json(5), the bash completion, /etc/socketbridge
## (an existing configuration is kept), and the Prometheus examples under
## $(DOCDIR)/examples; honours DESTDIR
install: $(PUBLISH)/socketbridge
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/socketbridge/bridges.d
	install -m 0755 $(PUBLISH)/socketbridge $(DESTDIR)$(SBINDIR)/socketbridge
	sed 's:/usr/sbin/socketbridge:$(SBINDIR)/socketbridge:g' packaging/socketbridge.service \
	    > $(DESTDIR)$(UNITDIR)/socketbridge.service
	install -m 0644 packaging/socketbridge.socket $(DESTDIR)$(UNITDIR)/socketbridge.socket
	chmod 0644 $(DESTDIR)$(UNITDIR)/socketbridge.service
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 packaging/org.socketbridge.socketbridge.plist $(DESTDIR)$(DOCDIR)/
	install -d -m 0755 $(DESTDIR)$(DOCDIR)/examples/prometheus
	install -m 0644 packaging/prometheus/socketbridge-scrape.yml packaging/prometheus/socketbridge-alerts.yml \
	    packaging/prometheus/socketbridge-alerts.test.yml $(DESTDIR)$(DOCDIR)/examples/prometheus/
	gzip -9n < docs/man/socketbridge.8 > $(DESTDIR)$(MANDIR)/man8/socketbridge.8.gz
	gzip -9n < docs/man/socketbridge.json.5 > $(DESTDIR)$(MANDIR)/man5/socketbridge.json.5.gz
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/socketbridge.8.gz $(DESTDIR)$(MANDIR)/man5/socketbridge.json.5.gz
	install -m 0644 packaging/bash-completion/socketbridge $(DESTDIR)$(BASHCOMPDIR)/socketbridge
	test -e $(DESTDIR)$(SYSCONFDIR)/socketbridge/socketbridge.json || \
	    install -m 0644 packaging/socketbridge.json $(DESTDIR)$(SYSCONFDIR)/socketbridge/socketbridge.json
	test -e $(DESTDIR)$(SYSCONFDIR)/socketbridge/bridges.d/example.json.disabled || \
	    install -m 0644 packaging/bridges.d/example.json.disabled $(DESTDIR)$(SYSCONFDIR)/socketbridge/bridges.d/

## uninstall: what install put in place, except /etc/socketbridge (and the
## $(PREFIX)/lib/socketbridge directory of versions before the native program)
uninstall:
	rm -rf $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(SBINDIR)/socketbridge $(DESTDIR)$(UNITDIR)/socketbridge.service $(DESTDIR)$(UNITDIR)/socketbridge.socket \
	    $(DESTDIR)$(MANDIR)/man8/socketbridge.8.gz $(DESTDIR)$(MANDIR)/man5/socketbridge.json.5.gz \
	    $(DESTDIR)$(BASHCOMPDIR)/socketbridge

## deb: out/socketbridge_$(DEB_VERSION)_$(DEB_ARCH).deb, built with dpkg-deb from an install into out/deb/root,
## with Debian's copyright file (packaging/deb/copyright), a changelog of this version and the md5sums of
## every file but the conffiles (which dpkg sums itself); lintian reports nothing on it.
## Depends is what dpkg-shlibdeps finds in the program: libc6 alone (libm is part of it);
## InvariantGlobalization spares libicu, and OpenSSL is loaded only for TLS, which is unused.
deb: $(PUBLISH)/socketbridge
	rm -rf $(OUT)/deb $(DEB)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) \
	    PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system \
	    SBINDIR=/usr/sbin DOCDIR=/usr/share/doc/socketbridge MANDIR=/usr/share/man \
	    BASHCOMPDIR=/usr/share/bash-completion/completions
	install -m 0644 packaging/deb/copyright $(DEB_ROOT)/usr/share/doc/socketbridge/copyright
	sed 's/@VERSION@/$(DEB_VERSION)/' packaging/deb/changelog.in | gzip -9n > $(DEB_ROOT)/usr/share/doc/socketbridge/changelog.gz
	chmod 0644 $(DEB_ROOT)/usr/share/doc/socketbridge/changelog.gz
	install -d -m 0755 $(DEB_ROOT)/DEBIAN
	sed -e 's/@VERSION@/$(DEB_VERSION)/' -e 's/@ARCH@/$(DEB_ARCH)/' \
	    -e "s/@INSTALLED_SIZE@/$$(du -sk $(DEB_ROOT) | cut -f1)/" \
	    packaging/deb/control.in > $(DEB_ROOT)/DEBIAN/control
	install -m 0644 packaging/deb/conffiles $(DEB_ROOT)/DEBIAN/conffiles
	install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm $(DEB_ROOT)/DEBIAN/
	cd $(DEB_ROOT) && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' | \
	    LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums
	dpkg-deb --root-owner-group $(DEB_COMPRESSION) --build $(DEB_ROOT) $(DEB)

# ---------------------------------------------------------------------------
# System test: the package under a real systemd. See "The system test" in README.md.

## system-test: builds the .deb, boots Debian 12 with systemd as PID 1 in systemd-nspawn,
## installs the package with dpkg -i and runs tests/system/run.py's scenarios (root; needs
## systemd-container and debootstrap). The container's root is built once with debootstrap
## (alongside the package) and cached in /var/cache/socketbridge-system-test.
## SCENARIOS="1 4" runs only those. Skips, saying why, where systemd-nspawn cannot run at all.
## The upgrade scenarios install over it the same program packaged as a higher version,
## $(UPGRADE_DEB) (a second `make deb`, seconds).
SCENARIOS   ?=
UPGRADE_DEB_VERSION := $(DEB_VERSION)+upgrade1
UPGRADE_DEB := $(OUT)/socketbridge_$(UPGRADE_DEB_VERSION)_$(DEB_ARCH).deb
.PHONY: system-test
system-test: system-test-deps
	@python3 tests/system/run.py --preflight; status=$$?; \
	    if [ $$status = 3 ]; then exit 0; elif [ $$status != 0 ]; then exit $$status; fi; \
	    python3 tests/system/run.py --prepare-root & root=$$!; \
	    $(MAKE) --no-print-directory deb && \
	        $(MAKE) --no-print-directory deb DEB_VERSION=$(UPGRADE_DEB_VERSION); made=$$?; \
	    wait $$root; rooted=$$?; \
	    if [ $$made != 0 ] || [ $$rooted != 0 ]; then exit 2; fi; \
	    python3 tests/system/run.py --deb $(DEB) --upgrade-deb $(UPGRADE_DEB) $(SCENARIOS)
