#!/usr/bin/env pwsh
# Bootstrapper: restores the pinned Cake tool, builds the suite's library, then runs build.cake.
# Usage: ./build.ps1 --target=Validate [--key=value ...]   (see README.md)
$ErrorActionPreference = 'Stop'
Set-Location -Path $PSScriptRoot

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
# Build output is shown only when the build fails.
$buildLog = dotnet build build/Platform.Build.csproj --configuration Release --output .build/lib -nologo -v:quiet 2>&1
if ($LASTEXITCODE -ne 0) { $code = $LASTEXITCODE; $buildLog | Out-String | Write-Host; exit $code }
dotnet tool run dotnet-cake build.cake @args
exit $LASTEXITCODE
