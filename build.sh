#!/usr/bin/env bash
# Bootstrapper: restores the pinned Cake tool, builds the suite's library, then runs build.cake.
# Usage: ./build.sh [--target=Validate] [--key=value ...]   (see README.md)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet tool restore >/dev/null
# Build output is shown only when the build fails.
if ! build_log=$(dotnet build build/Platform.Build.csproj --configuration Release --output .build/lib -nologo -v:quiet 2>&1); then
  echo "$build_log" >&2
  exit 1
fi
exec dotnet tool run dotnet-cake build.cake "$@"
