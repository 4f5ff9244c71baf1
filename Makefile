# SocketBridge: make build | run | test | check | clean
DOTNET      ?= dotnet
CONFIG      ?= config/demo.json
OUT         := out
PROJECT     := src/SocketBridge/SocketBridge.csproj
TESTS       := tests/SocketBridge.Tests/SocketBridge.Tests.csproj
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all build run test check clean

all: build

## build: a runnable out/socketbridge (framework-dependent)
build:
	$(DOTNET) publish $(PROJECT) -c Release -o $(OUT) --nologo -v quiet

## run: the daemon in the foreground on config/demo.json
run: build
	$(OUT)/socketbridge run -c $(CONFIG)

## test: the whole suite, against out/socketbridge
test: build
	SOCKETBRIDGE_BIN=$(CURDIR)/$(OUT)/socketbridge $(DOTNET) test $(TESTS) -c Release --nologo -v quiet --logger "console;verbosity=normal"

## check: validate config/demo.json without binding anything
check: build
	$(OUT)/socketbridge check -c $(CONFIG)

clean:
	rm -rf $(OUT) src/*/bin src/*/obj tests/*/bin tests/*/obj
